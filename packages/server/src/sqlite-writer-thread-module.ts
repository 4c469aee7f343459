/**
 * The URL of the SQLite writer thread's entry module next to this one: the TypeScript
 * source when running from `src/` (tests through tsx or vitest), the bundled
 * `sqlite-writer-thread.js` next to the chunk that holds this code in `dist/`.
 */
export function sqliteWriterThreadModule(): URL {
  const fromSource = /\.[cm]?ts$/.test(new URL(import.meta.url).pathname);
  return new URL(
    fromSource ? "./sqlite-writer-thread.ts" : "./sqlite-writer-thread.js",
    import.meta.url,
  );
}
