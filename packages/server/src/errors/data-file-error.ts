/**
 * The data file could not be opened or prepared for writing at start: it names the
 * file and the cause in one sentence, for the one line the CLI prints.
 */
export class DataFileError extends Error {
  override readonly name = "DataFileError";

  constructor(
    /** The data file's path, as given. */
    readonly path: string,
    /** What was wrong, in words (e.g. "the file is read-only"). */
    readonly reason: string,
    options?: { readonly cause?: unknown },
  ) {
    super(`cannot use the data file ${path}: ${reason}`, options);
  }
}
