#!/usr/bin/env node
// Regenerates @threadline/protocol into a temporary folder and fails when it differs
// from the committed src/generated/. Run by .ci/run; fix a failure with `pnpm generate`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const committed = join(import.meta.dirname, "..", "packages", "protocol", "src", "generated");
const fresh = mkdtempSync(join(tmpdir(), "threadline-generated-"));
try {
  execFileSync(
    process.execPath,
    [join(import.meta.dirname, "..", "packages", "protocol", "scripts", "generate.mjs"), fresh],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const names = new Set([...readdirSync(committed), ...readdirSync(fresh)]);
  const drifted = [...names].filter((name) => {
    try {
      return (
        readFileSync(join(committed, name), "utf8") !== readFileSync(join(fresh, name), "utf8")
      );
    } catch {
      return true;
    }
  });
  if (drifted.length > 0) {
    console.error(
      `generated code is out of date with proto/: ${drifted.join(", ")}\nrun \`pnpm generate\` and commit the result`,
    );
    process.exit(1);
  }
  console.log(`generated code matches proto/ (${names.size} files)`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
