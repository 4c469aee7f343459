import { type ErrorCode, ServerError } from "./server-error.js";

/**
 * A thrown value as plain, structured-cloneable data, so that it can cross from one
 * thread to another (SQLite's writer thread to the main thread) and be rebuilt there
 * with {@link errorFromTransfer}.
 */
export type TransferredError =
  | {
      readonly kind: "server";
      readonly errorCode: ErrorCode;
      readonly message: string;
      readonly retryable: boolean;
      readonly field: string | undefined;
      readonly trailers: Readonly<Record<string, string>>;
      readonly stack: string | undefined;
      readonly cause: TransferredError | undefined;
    }
  | {
      readonly kind: "error";
      readonly name: string;
      readonly message: string;
      /** A driver's or the system's error code (`SQLITE_FULL`, `ENOSPC`), when it had one. */
      readonly code: string | undefined;
      readonly stack: string | undefined;
      readonly cause: TransferredError | undefined;
    }
  | { readonly kind: "value"; readonly text: string };

/** How many causes deep a transfer follows `cause` (a cycle must not recurse forever). */
const maxCauseDepth = 4;

function stringProperty(value: object, key: string): string | undefined {
  const property: unknown = Reflect.get(value, key);
  return typeof property === "string" ? property : undefined;
}

/**
 * Turns any thrown value into a {@link TransferredError}: a {@link ServerError} keeps its
 * code, message, retryable flag, field and trailers; any other Error its name, message,
 * stack and string `code`; both keep their causes (a few levels deep). Anything else is
 * kept as text.
 */
export function transferError(error: unknown, depth = 0): TransferredError {
  const cause =
    error instanceof Error && error.cause !== undefined && depth < maxCauseDepth
      ? transferError(error.cause, depth + 1)
      : undefined;
  if (error instanceof ServerError) {
    return {
      kind: "server",
      errorCode: error.errorCode,
      message: error.message,
      retryable: error.retryable,
      field: error.field,
      trailers: { ...error.trailers },
      stack: error.stack,
      cause,
    };
  }
  if (error instanceof Error) {
    return {
      kind: "error",
      name: error.name,
      message: error.message,
      code: stringProperty(error, "code"),
      stack: error.stack,
      cause,
    };
  }
  return { kind: "value", text: String(error) };
}

const builtInErrors: Readonly<Record<string, new (message: string) => Error>> = {
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * Rebuilds a thrown value from its {@link TransferredError}: a {@link ServerError} with
 * the same code, message, retryable flag, field and trailers (what the client receives
 * is the same as if it had been thrown on this thread); a built-in error type by name
 * (TypeError, RangeError, …), any other Error as an `Error` with the same name, message
 * and `code`. The stack is the original thread's.
 */
export function errorFromTransfer(transferred: TransferredError): Error {
  if (transferred.kind === "value") return new Error(transferred.text);
  const cause = transferred.cause === undefined ? undefined : errorFromTransfer(transferred.cause);
  let error: Error;
  if (transferred.kind === "server") {
    const { field: _field, ...trailers } = transferred.trailers;
    error = new ServerError(transferred.errorCode, transferred.message, {
      retryable: transferred.retryable,
      ...(transferred.field === undefined ? {} : { field: transferred.field }),
      trailers,
      ...(cause === undefined ? {} : { cause }),
    });
  } else {
    const BuiltIn = Object.hasOwn(builtInErrors, transferred.name)
      ? builtInErrors[transferred.name]
      : undefined;
    error =
      BuiltIn === undefined ? new Error(transferred.message) : new BuiltIn(transferred.message);
    if (BuiltIn === undefined && transferred.name !== "Error") {
      Object.defineProperty(error, "name", { value: transferred.name, configurable: true });
    }
    if (transferred.code !== undefined) {
      Object.defineProperty(error, "code", { value: transferred.code, enumerable: true });
    }
    if (cause !== undefined) {
      Object.defineProperty(error, "cause", { value: cause, configurable: true });
    }
  }
  if (transferred.stack !== undefined) {
    Object.defineProperty(error, "stack", { value: transferred.stack, configurable: true });
  }
  return error;
}
