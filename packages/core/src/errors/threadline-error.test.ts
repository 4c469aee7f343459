import { Metadata, status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  ConflictError,
  ConnectionError,
  CursorAheadOfHeadError,
  NotFoundError,
  ProtocolError,
  RateLimitError,
  SequenceNotRetainedError,
  ServerError,
  UnimplementedError,
  ValidationError,
} from "./error-classes.js";
import { errorFromGrpc, isRetryableFailure, toThreadlineError } from "./grpc-error-mapping.js";
import { checkSequence } from "./invalid-argument.js";
import { ThreadlineError } from "./threadline-error.js";

function failure(code: number, trailers: Record<string, string> = {}, details = "went wrong") {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return { code, details, metadata };
}

describe("ThreadlineError", () => {
  it("carries code, retryable, grpcCode, context and cause", () => {
    const cause = new Error("root");
    const error = new ConnectionError("unreachable", { grpcCode: 14, context: { a: "b" }, cause });
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.retryable).toBe(true);
    expect(error.grpcCode).toBe(14);
    expect(error.context).toEqual({ a: "b" });
    expect(error.cause).toBe(cause);
    expect(error.name).toBe("ConnectionError");
    expect(error).toBeInstanceOf(ThreadlineError);
  });

  it("is() recognises errors from another copy of the package by the registered marker", () => {
    // A structurally separate object carrying the same registered symbol, as a duplicate
    // install would produce: instanceof says no, is() says yes.
    const foreign = Object.create(Error.prototype) as object;
    Object.defineProperty(foreign, Symbol.for("@threadline/core/ThreadlineError"), {
      value: ["ValidationError", "ThreadlineError"],
    });
    expect(foreign instanceof ThreadlineError).toBe(false);
    expect(ThreadlineError.is(foreign)).toBe(true);
    expect(ValidationError.is(foreign)).toBe(true);
    expect(NotFoundError.is(foreign)).toBe(false);
  });

  it("is() narrows by subclass and rejects non-errors", () => {
    const error = new ValidationError("bad", { field: "limit" });
    expect(ThreadlineError.is(error)).toBe(true);
    expect(ValidationError.is(error)).toBe(true);
    expect(AuthenticationError.is(error)).toBe(false);
    expect(ThreadlineError.is(new Error("plain"))).toBe(false);
    expect(ThreadlineError.is(null)).toBe(false);
    expect(ThreadlineError.is("ValidationError")).toBe(false);
    expect(SequenceNotRetainedError.is(new SequenceNotRetainedError("gone"))).toBe(true);
  });

  it("is() works unbound, as a callback", () => {
    const values: unknown[] = [new NotFoundError("gone"), new Error("plain"), "text"];
    expect(values.filter(ThreadlineError.is)).toHaveLength(1);
  });

  it("ValidationError records field and allowed in context and is never retryable", () => {
    const error = new ValidationError("limit must be 1..1000; received 0", {
      field: "limit",
      allowed: "1..1000",
      received: 0,
      retryable: true,
    });
    expect(error.retryable).toBe(false);
    expect(error.context).toEqual({ field: "limit", allowed: "1..1000" });
    expect(error.received).toBe(0);
  });

  it("checkSequence says what was wrong and what is allowed", () => {
    expect(() => checkSequence("lastHandledSequence", -1)).toThrow(
      "lastHandledSequence must be a non-negative safe integer; received -1",
    );
    expect(() => checkSequence("lastHandledSequence", 1.5)).toThrow(ValidationError);
    expect(() => checkSequence("lastHandledSequence", "3")).toThrow('received "3"');
    expect(() => checkSequence("lastHandledSequence", 2 ** 53)).toThrow(ValidationError);
    expect(checkSequence("lastHandledSequence", 0)).toBe(0);
  });
});

describe("gRPC error mapping", () => {
  it.each([
    [status.INVALID_ARGUMENT, ValidationError, "INVALID_ARGUMENT"],
    [status.FAILED_PRECONDITION, ValidationError, "FAILED_PRECONDITION"],
    [status.NOT_FOUND, NotFoundError, "NOT_FOUND"],
    [status.UNAUTHENTICATED, AuthenticationError, "UNAUTHENTICATED"],
    [status.PERMISSION_DENIED, AuthenticationError, "PERMISSION_DENIED"],
    [status.RESOURCE_EXHAUSTED, RateLimitError, "RESOURCE_EXHAUSTED"],
    [status.UNAVAILABLE, ConnectionError, "UNAVAILABLE"],
    [status.DEADLINE_EXCEEDED, ConnectionError, "DEADLINE_EXCEEDED"],
    [status.UNIMPLEMENTED, UnimplementedError, "UNIMPLEMENTED"],
    [status.ALREADY_EXISTS, ConflictError, "ALREADY_EXISTS"],
    [status.INTERNAL, ServerError, "INTERNAL"],
  ])("status %i maps to %o with code %s", (code, type, expectedCode) => {
    const error = errorFromGrpc(failure(code), "ChatService.GetChat");
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(expectedCode);
    expect(error.grpcCode).toBe(code);
    expect(error.message).toBe(
      code === status.UNAUTHENTICATED
        ? "ChatService.GetChat was refused: the server did not accept the bearer token. Check the `token` given to createClient (in the README's examples: is THREADLINE_TOKEN set?); it must be one that `threadline-server accounts add` or `accounts rotate-token` printed for this server. The server said: went wrong"
        : "ChatService.GetChat failed: went wrong",
    );
  });

  it("uses the error-code trailer and keeps trailers in context", () => {
    const error = errorFromGrpc(
      failure(status.INVALID_ARGUMENT, {
        "error-code": "IDEMPOTENCY_KEY_REUSED",
        "x-retryable": "false",
      }),
      "ChatService.CreateChat",
    );
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(error.context["error-code"]).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("maps SEQUENCE_NOT_RETAINED with the oldest retained sequence", () => {
    const error = errorFromGrpc(
      failure(status.FAILED_PRECONDITION, {
        "error-code": "SEQUENCE_NOT_RETAINED",
        "oldest-retained-sequence": "42",
      }),
      "EventService.CatchUpEvents",
    );
    expect(error).toBeInstanceOf(SequenceNotRetainedError);
    expect(error instanceof SequenceNotRetainedError && error.oldestRetainedSequence).toBe(42);
  });

  it("maps CURSOR_AHEAD_OF_HEAD to a CursorAheadOfHeadError carrying the cursor and the head, never retryable", () => {
    const error = errorFromGrpc(
      failure(status.FAILED_PRECONDITION, {
        "error-code": "CURSOR_AHEAD_OF_HEAD",
        "head-sequence": "10",
        "after-sequence": "1000",
        "x-retryable": "true",
      }),
      "EventService.CatchUpEvents",
    );
    expect(error).toBeInstanceOf(CursorAheadOfHeadError);
    expect(CursorAheadOfHeadError.is(error)).toBe(true);
    expect(error instanceof CursorAheadOfHeadError && [error.cursor, error.head]).toEqual([
      1000, 10,
    ]);
    expect(error.code).toBe("CURSOR_AHEAD_OF_HEAD");
    expect(error.retryable).toBe(false);
  });

  it("a CURSOR_AHEAD_OF_HEAD without usable trailers still maps, with cursor and head undefined", () => {
    const error = errorFromGrpc(
      failure(status.FAILED_PRECONDITION, {
        "error-code": "CURSOR_AHEAD_OF_HEAD",
        "head-sequence": "-3",
      }),
      "EventService.CatchUpEvents",
    );
    expect(error).toBeInstanceOf(CursorAheadOfHeadError);
    expect(error instanceof CursorAheadOfHeadError && [error.cursor, error.head]).toEqual([
      undefined,
      undefined,
    ]);
  });

  it("retryable follows x-retryable, else only UNAVAILABLE", () => {
    expect(isRetryableFailure(failure(status.UNAVAILABLE))).toBe(true);
    expect(isRetryableFailure(failure(status.UNAVAILABLE, { "x-retryable": "false" }))).toBe(false);
    expect(isRetryableFailure(failure(status.INTERNAL))).toBe(false);
    expect(isRetryableFailure(failure(status.RESOURCE_EXHAUSTED, { "x-retryable": "true" }))).toBe(
      true,
    );
    expect(errorFromGrpc(failure(status.UNAUTHENTICATED), "x").retryable).toBe(false);
    const tooSlow = errorFromGrpc(
      failure(status.RESOURCE_EXHAUSTED, {
        "error-code": "SUBSCRIBER_TOO_SLOW",
        "x-retryable": "true",
      }),
      "x",
    );
    expect(tooSlow).toBeInstanceOf(RateLimitError);
    expect(tooSlow.retryable).toBe(true);
    expect(tooSlow.code).toBe("SUBSCRIBER_TOO_SLOW");
  });

  it("turns decode failures into ProtocolError", () => {
    const range = toThreadlineError(
      new RangeError("uint64 value 9007199254740993 exceeds 2^53-1"),
      "x",
    );
    expect(range).toBeInstanceOf(ProtocolError);
    expect(range.retryable).toBe(false);
    const parse = toThreadlineError(
      failure(status.INTERNAL, {}, "Failed to parse server response"),
      "x",
    );
    expect(parse).toBeInstanceOf(ProtocolError);
    const existing = new NotFoundError("gone");
    expect(toThreadlineError(existing, "x")).toBe(existing);
  });
});
