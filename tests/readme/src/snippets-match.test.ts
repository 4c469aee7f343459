import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  type ReadmeBlock,
  readmeBlocks,
  readPackageReadmes,
  readReadme,
  root,
  sectionsBeforeTour,
} from "./readme-blocks.js";
import { run } from "./run-example.js";

const examplesDirectory = fileURLToPath(new URL("../examples/", import.meta.url));
const blocks = readmeBlocks(readReadme());

/** The blocks marked `<!-- example: NAME -->`, with the README they are in. */
function markedExamples(readme: string, list: readonly ReadmeBlock[]) {
  return list.flatMap((block) => {
    const name = /^example:\s*(\S+)$/.exec(block.marker ?? "")?.[1];
    return name === undefined ? [] : [{ name, readme, block }];
  });
}
const packageExamples = [...readPackageReadmes()].flatMap(([path, text]) =>
  markedExamples(path, readmeBlocks(text)),
);

describe("README snippets", () => {
  it("every code block after Layout is marked as an example", () => {
    const unmarked = blocks.filter(
      (block) => !sectionsBeforeTour.has(block.section) && block.marker === undefined,
    );
    expect(unmarked.map((block) => `README.md:${block.line}`)).toEqual([]);
  });

  const examples = markedExamples("README.md", blocks);

  it("marks every tour snippet", () => {
    expect(examples.map((example) => example.name).sort()).toEqual(
      [
        "bot.ts",
        "chats.ts",
        "connect.ts",
        "install-before-release.sh",
        "install.sh",
        "recover.ts",
        "release.sh",
        "server.sh",
        "setup.sh",
        "whatsapp-bot.ts",
        "whatsapp.sh",
      ].sort(),
    );
  });

  it.each(examples)("the $name block equals tests/readme/examples/$name", ({ name, block }) => {
    expect(block.text).toBe(readFileSync(`${examplesDirectory}${name}`, "utf8"));
  });

  it.each(packageExamples)(
    "the $name block of $readme equals tests/readme/examples/$name",
    ({ name, block }) => {
      expect(block.text).toBe(readFileSync(`${examplesDirectory}${name}`, "utf8"));
    },
  );

  it("the package READMEs' quick starts that close resources are marked examples", () => {
    expect(packageExamples.map((example) => `${example.readme}: ${example.name}`).sort()).toEqual(
      expect.arrayContaining([
        "packages/addresses/README.md: addresses-quick-start.ts",
        "packages/chats/README.md: chats-quick-start.ts",
        "packages/core/README.md: core-subscribe.ts",
        "packages/groups/README.md: groups-quick-start.ts",
        "packages/messages/README.md: messages-quick-start.ts",
        "packages/polls/README.md: polls-quick-start.ts",
        "packages/recovery/README.md: recovery-quick-start.ts",
        "packages/server/README.md: server-start.ts",
        "packages/server/README.md: server-testing.ts",
        "packages/whatsapp/README.md: whatsapp-bot.ts",
        "packages/whatsapp/README.md: whatsapp-recover.ts",
      ]),
    );
  });

  it("no README code block uses `await using` (Node 20 cannot run it as written)", () => {
    const readmes = new Map([["README.md", readReadme()], ...readPackageReadmes()]);
    const offenders = [...readmes].flatMap(([path, text]) =>
      readmeBlocks(text)
        .filter((block) => /\bawait using\b/.test(block.text))
        .map((block) => `${path}:${block.line}`),
    );
    expect(offenders).toEqual([]);
  });

  it("every example file is shown in a README", () => {
    expect(readdirSync(examplesDirectory).sort()).toEqual(
      [...new Set([...examples, ...packageExamples].map((example) => example.name))].sort(),
    );
  });

  it("the quick start's test command is the one CI runs", () => {
    const quickStart = blocks.find((block) => block.section === "Quick start");
    const ci = readFileSync(`${root}.ci/run`, "utf8");
    const testCommand = quickStart?.text
      .split("\n")
      .find((line) => line.endsWith("pnpm@10.34.9 test"));
    expect(testCommand).toBeDefined();
    expect(ci.split("\n")).toContain(testCommand);
  });

  it("the sample demo output shows rows and lines the built demo really prints", async () => {
    const sample = blocks.find((block) => block.marker === "demo-output");
    if (sample === undefined) throw new Error("README has no <!-- demo-output --> block");
    const demo = await run(
      process.execPath,
      [`${root}apps/demo/dist/main.js`, "--events", "60", "--crash-at", "20", "--concurrency", "4"],
      { cwd: root, env: { THREADLINE_ADDRESS: "", THREADLINE_TOKEN: "" } },
    );
    expect(demo.code, demo.stdout + demo.stderr).toBe(0);
    const labels = (text: string) =>
      text
        .split("\n")
        .map((line) => /^\| ([A-Za-z][^|]*?) +\|/.exec(line)?.[1])
        .filter((label): label is string => label !== undefined);
    const sampleLabels = labels(sample.text);
    expect(sampleLabels).toContain("Events lost");
    expect(sampleLabels).toEqual(labels(demo.stdout));
    const prefixes = (text: string) =>
      text
        .split("\n")
        .map((line) => /^([a-zA-Z]+(?: [a-z]+)?) {2,}/.exec(line)?.[1])
        .filter((prefix): prefix is string => prefix !== undefined);
    for (const prefix of prefixes(sample.text)) expect(prefixes(demo.stdout)).toContain(prefix);
    expect(sample.text).toContain("PASS: every event was handled");
    expect(demo.stdout).toContain("PASS: every event was handled");
  });
});
