import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

/** Every production `.ts` file under src/, as a path relative to src/ with `/` separators. */
function productionFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return productionFiles(path);
    if (!entry.name.endsWith(".ts") || entry.name.endsWith(".test.ts")) return [];
    return [relative(srcDir, path).split("\\").join("/")];
  });
}

/** The src-relative targets of a file's relative imports and re-exports. */
function localImports(file: string): string[] {
  const text = readFileSync(join(srcDir, file), "utf8");
  const specifiers = [...text.matchAll(/\bfrom\s+"(\.{1,2}\/[^"]+)"/g)].map((match) => match[1]);
  return specifiers.flatMap((specifier) =>
    specifier === undefined
      ? []
      : [
          relative(srcDir, resolve(srcDir, dirname(file), specifier))
            .split("\\")
            .join("/"),
        ],
  );
}

// The composition root and the package entry points sit above every layer.
const aboveTheLayers = new Set(["index.ts", "server.ts", "testing.ts"]);
const wireLayers = ["rpc/", "http/"];

describe("server import layers", () => {
  const files = productionFiles(srcDir);

  it("finds the source files it checks", () => {
    expect(files).toContain("errors/server-error.ts");
    expect(files).toContain("rpc/error-status.ts");
    expect(files.length).toBeGreaterThan(50);
  });

  it("lets only rpc/, http/ and the composition root import rpc/", () => {
    const upward = files.flatMap((file) => {
      if (aboveTheLayers.has(file) || wireLayers.some((layer) => file.startsWith(layer))) {
        return [];
      }
      return localImports(file)
        .filter((target) => target.startsWith("rpc/"))
        .map((target) => `${file} imports ${target}`);
    });
    expect(upward).toEqual([]);
  });

  it("keeps errors/ on the ground floor: it imports no other part of the server", () => {
    const upward = files
      .filter((file) => file.startsWith("errors/"))
      .flatMap((file) =>
        localImports(file)
          .filter((target) => !target.startsWith("errors/"))
          .map((target) => `${file} imports ${target}`),
      );
    expect(upward).toEqual([]);
  });

  it("keeps storage/ below the domain: it imports only storage/ and errors/", () => {
    const upward = files
      .filter((file) => file.startsWith("storage/"))
      .flatMap((file) =>
        localImports(file)
          .filter((target) => !target.startsWith("storage/") && !target.startsWith("errors/"))
          .map((target) => `${file} imports ${target}`),
      );
    expect(upward).toEqual([]);
  });

  it("lets only storage/ know a database driver or SQL", () => {
    const drivers = /\bfrom\s+"(better-sqlite3|pg)"/;
    const sql =
      /\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b/;
    const outside = files.flatMap((file) => {
      if (file.startsWith("storage/")) return [];
      const text = readFileSync(join(srcDir, file), "utf8");
      const found: string[] = [];
      if (drivers.test(text)) found.push(`${file} imports a database driver`);
      if (sql.test(text)) found.push(`${file} holds SQL`);
      return found;
    });
    expect(outside).toEqual([]);
  });

  it("lets only the composition root choose an engine: the domain sees repositories, never storage/sqlite or storage/postgres", () => {
    const engineModules = (target: string) =>
      target.startsWith("storage/sqlite/") ||
      target.startsWith("storage/postgres/") ||
      /^storage\/sqlite-[\w-]+\.js$/.test(target);
    const composition = new Set([
      ...aboveTheLayers,
      "cli.ts",
      "command-store.ts",
      "sqlite-writer-thread.ts",
      "sqlite-writer-thread-module.ts",
    ]);
    const reaching = files.flatMap((file) => {
      if (composition.has(file) || file.startsWith("storage/") || file.startsWith("testing/")) {
        return [];
      }
      return localImports(file)
        .filter(engineModules)
        .map((target) => `${file} imports ${target}`);
    });
    expect(reaching).toEqual([]);
  });
});
