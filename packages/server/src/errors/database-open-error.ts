/**
 * The PostgreSQL database could not be reached or prepared at start: it names the
 * database (never its password) and the cause in one sentence, for the one line the
 * CLI prints.
 */
export class DatabaseOpenError extends Error {
  override readonly name = "DatabaseOpenError";

  constructor(
    /** The database's URL without its password. */
    readonly database: string,
    /** What went wrong, in words. */
    readonly reason: string,
    options?: { readonly cause?: unknown },
  ) {
    super(
      `cannot use the PostgreSQL database ${database}: ${reason}; check --database and that PostgreSQL is running and reachable`,
      options,
    );
  }
}
