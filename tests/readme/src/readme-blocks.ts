import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const root = fileURLToPath(new URL("../../../", import.meta.url));

/** One fenced code block of the README. */
export interface ReadmeBlock {
  /** The `<!-- ... -->` comment on the line right before the fence, if any. */
  readonly marker?: string;
  readonly language: string;
  /** The block's text, without the fences, ending in a newline. */
  readonly text: string;
  /** The `## ` section the block is in. */
  readonly section: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

/** Splits the README into its fenced code blocks. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split("\n");
  const blocks: ReadmeBlock[] = [];
  let section = "";
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    if (line.startsWith("## ")) section = line.slice(3).trim();
    const fence = /^```(\S*)\s*$/.exec(line);
    if (fence === null) continue;
    const start = index;
    const body: string[] = [];
    for (index++; index < lines.length && lines[index] !== "```"; index++)
      body.push(lines[index] ?? "");
    const previous = lines[start - 1] ?? "";
    const marker = /^<!--\s*(.+?)\s*-->$/.exec(previous)?.[1];
    blocks.push({
      ...(marker === undefined ? {} : { marker }),
      language: fence[1] ?? "",
      text: `${body.join("\n")}\n`,
      section,
      line: start + 1,
    });
  }
  return blocks;
}

/** The README as it is in the repository. */
export function readReadme(): string {
  return readFileSync(`${root}README.md`, "utf8");
}

/** Sections written before the tour; their blocks (quick start, layout) are not snippets to run. */
export const sectionsBeforeTour = new Set(["", "Quick start", "Layout"]);

/** Every package README, by its path from the repository root (`packages/core/README.md`). */
export function readPackageReadmes(): Map<string, string> {
  const readmes = new Map<string, string>();
  for (const entry of readdirSync(`${root}packages`, { withFileTypes: true })) {
    const path = `packages/${entry.name}/README.md`;
    if (entry.isDirectory() && existsSync(`${root}${path}`)) {
      readmes.set(path, readFileSync(`${root}${path}`, "utf8"));
    }
  }
  return readmes;
}
