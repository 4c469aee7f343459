import { describe, expect, it } from "vitest";
import { ValidationError } from "./error-classes.js";
import { invalidArgument } from "./invalid-argument.js";

describe("invalidArgument, the one invalid-argument rule", () => {
  it("says what must be and what was received, and carries field, allowed and received", () => {
    const error = invalidArgument("limit", "an integer from 1 to 1000", 0);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe("limit must be an integer from 1 to 1000; received 0");
    expect(error).toMatchObject({
      code: "INVALID_ARGUMENT",
      retryable: false,
      field: "limit",
      allowed: "an integer from 1 to 1000",
      received: 0,
    });
  });

  it("with a problem, says what was wrong, then what is expected", () => {
    const error = invalidArgument(
      "addresses[1]",
      "each recipient at most once",
      "x@y.io",
      "repeats addresses[0]",
    );
    expect(error.message).toBe(
      'addresses[1] repeats addresses[0]; expected each recipient at most once; received "x@y.io"',
    );
    expect(error.allowed).toBe("each recipient at most once");
  });

  it("clips a huge string so it never ends up whole in a message", () => {
    const error = invalidArgument("name", "short", "a".repeat(10_000));
    expect(error.message.length).toBeLessThan(200);
    expect(error.received).toHaveLength(10_000);
  });
});
