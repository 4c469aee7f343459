import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  externalPackagesOf,
  importsOf,
  packageName,
  publishedPackages,
} from "./package-imports.js";
import { root } from "./readme-blocks.js";
import { run } from "./run-example.js";

const example = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../examples/${name}`, import.meta.url)), "utf8");

/** The package lists of install.sh, one per `npm install` line. */
function installLines(): string[][] {
  return example("install.sh")
    .split("\n")
    .filter((line) => line.startsWith("npm install "))
    .map((line) => (line.split("#")[0] ?? "").trim().split(/\s+/).slice(2));
}

/** Whether everything `specifiers` load at run time is installed by `line`. */
function satisfiedBy(line: readonly string[], specifiers: readonly string[]): string[] {
  const packages = publishedPackages();
  const missing: string[] = [];
  for (const specifier of specifiers) {
    const name = packageName(specifier);
    if (!line.includes(name)) {
      missing.push(`${name} (imported)`);
      continue;
    }
    const manifest = packages.get(name)?.manifest;
    for (const external of externalPackagesOf(specifier)) {
      // Regular dependencies arrive with the package; peers must be installed by the user.
      if (manifest?.dependencies?.[external] === undefined && !line.includes(external)) {
        missing.push(`${external} (needed by ${specifier})`);
      }
    }
  }
  return missing;
}

describe("README install.sh: install only the packages you need", () => {
  const lines = installLines();

  it("names only published packages, or peers a listed package declares", () => {
    const packages = publishedPackages();
    expect(lines.length).toBe(5);
    for (const line of lines) {
      for (const name of line) {
        if (name.startsWith("@threadline/")) {
          expect(packages.has(name), `${name} is a published package`).toBe(true);
        } else {
          const declaredBy = line.filter(
            (listed) => packages.get(listed)?.manifest.peerDependencies?.[name] !== undefined,
          );
          expect(declaredBy, `${name} is a peer of a listed package`).not.toEqual([]);
        }
      }
    }
  });

  it("every required peer of a listed package is listed too", () => {
    const packages = publishedPackages();
    for (const line of lines) {
      for (const name of line) {
        const manifest = packages.get(name)?.manifest;
        for (const peer of Object.keys(manifest?.peerDependencies ?? {})) {
          if (manifest?.peerDependenciesMeta?.[peer]?.optional === true) continue;
          expect(line, `${name} requires ${peer}`).toContain(peer);
        }
      }
    }
  });

  it.each([
    ["recover.ts", [0]],
    ["connect.ts", [0]],
    ["connect.ts", [1]],
    ["connect.ts", [2]],
    ["bot.ts", [0, 1]],
    ["chats.ts", [1]],
    ["messages-quick-start.ts", [1]],
    ["groups-quick-start.ts", [2]],
    ["polls-quick-start.ts", [2]],
    ["attachments-quick-start.ts", [3]],
    ["addresses-quick-start.ts", [3]],
  ] as const)("%s runs with what install lines %j install, and nothing more", (name, indexes) => {
    const line = indexes.flatMap((index) => lines[index] ?? []);
    expect(satisfiedBy(line, importsOf(example(name)))).toEqual([]);
  });

  it("bot.ts needs both of its lines: neither alone has what it imports", () => {
    expect(satisfiedBy(lines[0] ?? [], importsOf(example("bot.ts")))).not.toEqual([]);
    expect(satisfiedBy(lines[1] ?? [], importsOf(example("bot.ts")))).not.toEqual([]);
  });

  it("the recovery line does not pull in PostgreSQL or Redis clients", () => {
    const loaded = new Set([
      ...externalPackagesOf("@threadline/recovery"),
      ...externalPackagesOf("@threadline/recovery/sqlite"),
    ]);
    expect(loaded.has("pg")).toBe(false);
    expect(loaded.has("ioredis")).toBe(false);
    expect(loaded.has("@threadline/server")).toBe(false);
  });

  it("the server line brings the threadline-server CLI that server.sh runs", () => {
    expect(lines[4]).toEqual(["@threadline/server"]);
    expect(publishedPackages().get("@threadline/server")?.manifest.bin).toHaveProperty(
      "threadline-server",
    );
    expect(example("server.sh")).toContain("npx threadline-server ");
  });
});

describe("README release.sh: release with changesets", () => {
  const commands = example("release.sh")
    .split("\n")
    .filter((line) => line.startsWith("pnpm "))
    .map((line) => (line.split("#")[0] ?? "").trim().split(/\s+/).slice(1));

  it("every command is a root script", () => {
    const manifest: { scripts: Record<string, string> } = JSON.parse(
      readFileSync(`${root}package.json`, "utf8"),
    );
    expect(commands.map((command) => command[0])).toEqual([
      "changeset",
      "changeset",
      "version-packages",
      "release",
    ]);
    for (const command of commands) expect(manifest.scripts).toHaveProperty(command[0] ?? "");
    expect(manifest.scripts["version-packages"]).toBe("changeset version");
    expect(manifest.scripts.release).toContain("changeset publish");
  });

  it("changeset status reads every pending changeset and plans only published packages", async () => {
    const directory = await mkdtemp(join(tmpdir(), "threadline-readme-changeset-"));
    try {
      const output = join(directory, "status.json");
      const changeset = join(root, "node_modules", ".bin", "changeset");
      const result = await run(changeset, ["status", "--output", output], { cwd: root });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const status: { releases: { name: string; type: string }[] } = JSON.parse(
        await readFile(output, "utf8"),
      );
      // Private workspaces are ignored: changesets lists them with type "none".
      const bumped = status.releases.filter((release) => release.type !== "none");
      expect(bumped.map((release) => release.name).sort()).toEqual(
        [...publishedPackages().keys()].sort(),
      );
      for (const release of bumped) expect(release.type).toBe("minor");
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
