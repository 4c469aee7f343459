import type { ServerErrorCode } from "@threadline/protocol";

/**
 * Stable codes carried by {@link ThreadlineError.code}. Server-sent codes arrive in the
 * `error-code` trailer; a code this SDK version does not know is kept verbatim, which
 * is why the union stays open to other strings.
 */
export type ErrorCode =
  | ServerErrorCode
  | "DEADLINE_EXCEEDED"
  | "CANCELLED"
  | "PROTOCOL_ERROR"
  | "STREAM_STALLED"
  | "CLIENT_CLOSED"
  | (string & {});

/** Everything a {@link ThreadlineError} can be built from; all fields are optional. */
export interface ThreadlineErrorOptions {
  /** Stable code; each subclass has a sensible default. */
  readonly code?: ErrorCode;
  /** Whether repeating the same call may succeed. */
  readonly retryable?: boolean;
  /** Numeric gRPC status, when the error came from the wire; `undefined` otherwise. */
  readonly grpcCode?: number;
  /** Extra facts (trailers, field names) that help whoever reads the log. */
  readonly context?: Readonly<Record<string, string>>;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

// A registered symbol is shared by every copy of this package in a process, so `is`
// still recognises errors thrown by a duplicate install where `instanceof` would not.
const threadlineErrorMarker = Symbol.for("@threadline/core/ThreadlineError");

/**
 * Base class of every error the Threadline SDK throws. Catch it (or test with
 * {@link ThreadlineError.is}) to handle all SDK failures; narrow with the subclasses.
 */
export class ThreadlineError extends Error {
  /** Stable, machine-readable code (the server's `error-code` trailer when there was one). */
  readonly code: ErrorCode;
  /** Whether repeating the same call may succeed. */
  readonly retryable: boolean;
  /** gRPC status code, or `undefined` for errors raised in the client. */
  readonly grpcCode: number | undefined;
  /** Extra facts about the failure (trailers, the offending field). */
  readonly context: Readonly<Record<string, string>>;

  constructor(message: string, options: ThreadlineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ThreadlineError";
    this.code = options.code ?? "INTERNAL";
    this.retryable = options.retryable ?? false;
    this.grpcCode = options.grpcCode;
    this.context = options.context ?? {};
    Object.defineProperty(this, threadlineErrorMarker, { value: kindsOf(new.target) });
  }

  /** Class name used by {@link ThreadlineError.is}; every subclass sets its own. */
  static readonly kind: string = "ThreadlineError";

  /**
   * True when `value` is an instance of this class (`ThreadlineError.is` accepts every
   * Threadline error, `ValidationError.is` only validation errors), including one thrown
   * by another copy of this package, where `instanceof` would say no.
   */
  static is<T>(this: { readonly kind: string; readonly prototype: T }, value: unknown): value is T {
    if (typeof value !== "object" || value === null) return false;
    const kinds: unknown = Reflect.get(value, threadlineErrorMarker);
    // `this` is whichever subclass `is` was called on; that is the point. Passed around
    // unbound (`errors.filter(ThreadlineError.is)`) it is undefined: test for the base.
    // biome-ignore lint/complexity/noThisInStatic: subclass-polymorphic type test
    const kind: unknown = (this as { readonly kind?: string } | undefined)?.kind;
    return (
      Array.isArray(kinds) && kinds.includes(typeof kind === "string" ? kind : "ThreadlineError")
    );
  }
}

// The class names from the concrete class up to the base, so that `is` can match any
// ancestor without relying on prototype identity.
function kindsOf(errorClass: unknown): readonly string[] {
  const kinds: string[] = [];
  let current: unknown = errorClass;
  while (typeof current === "function") {
    const kind: unknown = Reflect.get(current, "kind");
    if (typeof kind === "string" && !kinds.includes(kind)) kinds.push(kind);
    if (current === ThreadlineError) break;
    current = Object.getPrototypeOf(current);
  }
  return Object.freeze(kinds);
}
