import { ValidationError } from "@threadline/core";
import { describe, expect, it } from "vitest";
import { normaliseAddresses } from "./address-normalisation.js";

function rejection(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("expected a ValidationError, but nothing was thrown");
}

describe("normaliseAddresses", () => {
  it("keeps the order and normalises each", () => {
    expect(normaliseAddresses(["Bob@Example.com", "+1 415 555 0100"])).toEqual([
      "bob@example.com",
      "+14155550100",
    ]);
  });

  it("needs at least one address", () => {
    expect(rejection(() => normaliseAddresses([])).message).toMatch(
      /at least one email address or E\.164 phone number/,
    );
  });

  it("treats a hole in a sparse array as a missing address", () => {
    const sparse: string[] = [];
    sparse[1] = "bob@example.com";
    expect(rejection(() => normaliseAddresses(sparse)).field).toBe("addresses[0]");
  });

  it("needs an array", () => {
    expect(rejection(() => normaliseAddresses("alice@example.com")).message).toMatch(
      /must be an array/,
    );
  });

  it("names both positions when two addresses are the same after normalisation", () => {
    const error = rejection(() =>
      normaliseAddresses(["bob@example.com", "+14155550100", "BOB@example.com "]),
    );
    expect(error.message).toMatch(
      /addresses\[2\] repeats addresses\[0\] \(both are bob@example\.com/,
    );
    expect(error.field).toBe("addresses[2]");
  });

  it("catches phone duplicates written differently", () => {
    const error = rejection(() => normaliseAddresses(["+1 (415) 555-0100", "+14155550100"]));
    expect(error.message).toMatch(/addresses\[1\] repeats addresses\[0\]/);
  });

  it("names the index of the first invalid address", () => {
    const error = rejection(() => normaliseAddresses(["alice@example.com", "12345"]));
    expect(error.field).toBe("addresses[1]");
  });
});
