import type { ServerErrorCode } from "@threadline/protocol";

/**
 * Stable, machine-readable failure codes sent in the `error-code` trailer. The SDK
 * maps them (with the gRPC status) onto its typed errors.
 */
export type ErrorCode = ServerErrorCode;

/** The optional parts of a {@link ServerError}. */
export interface ServerErrorOptions {
  /** Whether repeating the same call may succeed (`x-retryable`); false by default. */
  readonly retryable?: boolean;
  /** The request field that was wrong; sent as the `field` trailer. */
  readonly field?: string;
  /** Further trailers for the client (e.g. `head-sequence`), sent verbatim. */
  readonly trailers?: Readonly<Record<string, string>>;
  /** The underlying failure, for the server's log. */
  readonly cause?: unknown;
}

/**
 * A failure the server reports on purpose: a stable code, a message that says what was
 * wrong and what is allowed, whether a retry may succeed, and extra trailers. It knows
 * nothing of gRPC: `rpc/` turns the code into a status through one table. Any other
 * thrown value becomes INTERNAL (not retryable) and is logged.
 */
export class ServerError extends Error {
  override readonly name = "ServerError";
  /** Whether repeating the same call may succeed. */
  readonly retryable: boolean;
  /** The request field that was wrong, when one was. */
  readonly field: string | undefined;
  /** Every trailer sent besides `error-code` and `x-retryable` (`field` included). */
  readonly trailers: Readonly<Record<string, string>>;

  constructor(
    readonly errorCode: ErrorCode,
    message: string,
    options: ServerErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
    this.field = options.field;
    this.trailers = {
      ...(options.field === undefined ? {} : { field: options.field }),
      ...options.trailers,
    };
  }
}
