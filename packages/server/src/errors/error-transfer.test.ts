import { serverErrorCodes } from "@threadline/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorFromTransfer, transferError } from "./error-transfer.js";
import { ServerError } from "./server-error.js";

/** What crossing to another thread does to the data: a structured clone. */
function across(error: unknown): Error {
  return errorFromTransfer(structuredClone(transferError(error)));
}

const trailerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/).filter((name) => name !== "field");

describe("errors crossing a thread", () => {
  it("a ServerError keeps its code, message, retryable flag, field and trailers, for any of them (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...serverErrorCodes),
        fc.string(),
        fc.boolean(),
        fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
        fc.dictionary(trailerName, fc.string()),
        (errorCode, message, retryable, field, trailers) => {
          const original = new ServerError(errorCode, message, {
            retryable,
            ...(field === undefined ? {} : { field }),
            trailers,
          });
          const arrived = across(original);
          expect(arrived).toBeInstanceOf(ServerError);
          expect(arrived).toMatchObject({
            errorCode,
            message,
            retryable,
            field,
            trailers: original.trailers,
          });
          expect(arrived.stack).toBe(original.stack);
        },
      ),
    );
  });

  it("a built-in error keeps its type; any other its name, message and driver code", () => {
    const type = across(new TypeError('no write operation is named "x"'));
    expect(type).toBeInstanceOf(TypeError);
    expect(type.message).toBe('no write operation is named "x"');

    class PlannedFailure extends Error {
      override readonly name = "PlannedFailure";
    }
    const custom = across(new PlannedFailure("planned"));
    expect(custom).toBeInstanceOf(Error);
    expect(custom).toMatchObject({ name: "PlannedFailure", message: "planned" });

    const driver = across(
      Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }),
    );
    expect(driver).toMatchObject({ message: "database or disk is full", code: "SQLITE_FULL" });
  });

  it("keeps causes a few levels deep, and a thrown non-error as text", () => {
    const full = new ServerError("STORAGE_FULL", "the disk is full", {
      retryable: true,
      cause: Object.assign(new Error("SQLITE_FULL: database or disk is full"), {
        code: "SQLITE_FULL",
      }),
    });
    const arrived = across(full);
    expect(arrived).toMatchObject({ errorCode: "STORAGE_FULL", retryable: true });
    expect(arrived.cause).toMatchObject({ code: "SQLITE_FULL" });

    const looped: Error & { cause?: unknown } = new Error("loop");
    looped.cause = looped;
    let depth = 0;
    for (let error: unknown = across(looped); error instanceof Error; error = error.cause) {
      depth += 1;
      expect(depth).toBeLessThan(10);
    }

    expect(across("just a string").message).toBe("just a string");
    expect(across(42).message).toBe("42");
  });
});
