import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join } from "node:path";
import { root } from "./readme-blocks.js";

/** The manifest fields the install check reads. */
export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  readonly exports?: Record<string, { import?: string } | string>;
  readonly bin?: Record<string, string>;
}

/** The published workspace packages by name, with their folder: every non-private `packages/*`. */
export function publishedPackages(): Map<string, { folder: string; manifest: Manifest }> {
  const result = new Map<string, { folder: string; manifest: Manifest }>();
  for (const entry of readdirSync(`${root}packages`, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const folder = `${root}packages/${entry.name}/`;
    let text: string;
    try {
      text = readFileSync(`${folder}package.json`, "utf8");
    } catch {
      continue; // a folder without a manifest is not a package
    }
    const manifest: Manifest = JSON.parse(text);
    if (manifest.private !== true) result.set(manifest.name, { folder, manifest });
  }
  return result;
}

/** `@scope/name/sub` -> `@scope/name`; `pkg/sub` -> `pkg`. */
export function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

/** Bare import specifiers of a source file (static imports and exports only). */
export function importsOf(source: string): string[] {
  const specifiers = new Set<string>();
  for (const match of source.matchAll(
    /(?:^|\s|;)(?:import|export)\s[^"']*?from\s*["']([^"']+)["']|(?:^|\s|;)import\s*["']([^"']+)["']/g,
  )) {
    const specifier = match[1] ?? match[2];
    if (specifier !== undefined) specifiers.add(specifier);
  }
  return [...specifiers];
}

const builtins = new Set(builtinModules);

/** Packages that importing `specifier` loads at run time, following the built files' relative imports. */
export function externalPackagesOf(specifier: string): Set<string> {
  const name = packageName(specifier);
  const entry = publishedPackages().get(name);
  if (entry === undefined) throw new Error(`${name} is not a published workspace package`);
  const subpath = specifier === name ? "." : `.${specifier.slice(name.length)}`;
  const target = entry.manifest.exports?.[subpath];
  const file = typeof target === "string" ? target : target?.import;
  if (file === undefined) throw new Error(`${name} does not export ${subpath}`);
  const seen = new Set<string>();
  const externals = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const imported of importsOf(readFileSync(path, "utf8"))) {
      if (imported.startsWith(".")) visit(join(dirname(path), imported));
      else if (!imported.startsWith("node:") && !builtins.has(imported))
        externals.add(packageName(imported));
    }
  };
  visit(join(entry.folder, file));
  return externals;
}
