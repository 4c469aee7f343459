/** Longest stored file name, in UTF-8 bytes. */
export const maxFileNameBytes = 255;

/** The name a file gets when nothing is left of the one it was uploaded with. */
export const fallbackFileName = "attachment";

const encoder = new TextEncoder();

function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

// Cuts whole code points (never half a surrogate pair) until the text fits.
function cutToBytes(text: string, budget: number): string {
  let result = "";
  for (const character of text) {
    if (utf8Length(result + character) > budget) break;
    result += character;
  }
  return result;
}

/**
 * The display name stored for an upload: only the last path segment (both `/` and `\`
 * separate), without control characters, cut to {@link maxFileNameBytes} UTF-8 bytes
 * keeping the extension, and {@link fallbackFileName} when nothing is left. A name is
 * never an error: the server decides where bytes live, the name is only shown.
 */
export function normalizeFileName(name: string): string {
  const lastSegment = name.split(/[/\\]/).pop() ?? "";
  const visible = [...lastSegment]
    .filter((character) => {
      const code = character.codePointAt(0) ?? 0;
      return code >= 0x20 && !(code >= 0x7f && code <= 0x9f);
    })
    .join("")
    .trim();
  const withoutDots = /^\.+$/.test(visible) ? "" : visible;
  if (withoutDots === "") return fallbackFileName;
  if (utf8Length(withoutDots) <= maxFileNameBytes) return withoutDots;
  const dot = withoutDots.lastIndexOf(".");
  const extension = dot > 0 && withoutDots.length - dot <= 16 ? withoutDots.slice(dot) : "";
  const stem = extension === "" ? withoutDots : withoutDots.slice(0, dot);
  return cutToBytes(stem, maxFileNameBytes - utf8Length(extension)) + extension;
}

/** The companion's name: the primary's stem with the extension of its kind (`.mov`). */
export function companionFileName(primaryName: string): string {
  const dot = primaryName.lastIndexOf(".");
  const stem = dot > 0 ? primaryName.slice(0, dot) : primaryName;
  return `${cutToBytes(stem, maxFileNameBytes - 4)}.mov`;
}
