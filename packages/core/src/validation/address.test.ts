import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors/error-classes.js";
import { normalizeAddress } from "./address.js";

function rejection(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("expected a ValidationError, but nothing was thrown");
}

describe("normalizeAddress", () => {
  it("lower-cases emails and trims surrounding whitespace", () => {
    expect(normalizeAddress("  Alice.Smith+tag@Example.COM ")).toBe("alice.smith+tag@example.com");
  });

  it("turns international phone numbers in any common layout into E.164", () => {
    for (const input of [
      "+14155550100",
      "+1 415 555 0100",
      "+1 (415) 555-0100",
      "+1.415.555.0100",
    ]) {
      expect(normalizeAddress(input)).toBe("+14155550100");
    }
    expect(normalizeAddress("+44 7911 123456")).toBe("+447911123456");
  });

  it("accepts toll-free numbers, which can text, as the server does", () => {
    expect(normalizeAddress("+1 800 555 0199")).toBe("+18005550199");
  });

  it.each([
    ["12345", "short code", /looks like a short code/],
    ["123-456", "short code with a dash", /looks like a short code/],
    ["911", "emergency number", /is an emergency number/],
    ["1-1-2", "emergency number with separators", /is an emergency number/],
    ["411", "N11 service code", /is a service number/],
    ["+12345", "too short for any country", /not a valid phone number/],
    ["4155550100", "national number without a country code", /leading "\+"/],
    ["+19005550199", "premium-rate", /premium-rate number, a service number/],
    ["+14155550100 ext. 12", "extension", /neither an email address nor a phone number/],
    ["+14155550100x12", "extension", /neither an email address nor a phone number/],
  ])("rejects %s (%s) and says what is allowed", (input, _why, reason) => {
    const error = rejection(() => normalizeAddress(input, "addresses[0]"));
    expect(error.message).toMatch(reason);
    expect(error.message).toContain("addresses[0]");
    expect(error.field).toBe("addresses[0]");
    expect(error.received).toBe(input);
  });

  it.each([
    "alice",
    "alice@",
    "@example.com",
    "alice@example",
    "alice@@example.com",
    "alice@exa mple.com",
    "al ice@example.com",
    ".alice@example.com",
    "alice..smith@example.com",
    "alice@-example.com",
    "alice@example.c",
    "alice@192.168.0.1",
    `${"a".repeat(65)}@example.com`,
  ])("rejects the malformed email %j", (input) => {
    const error = rejection(() => normalizeAddress(input, "address"));
    expect(error.message).toMatch(
      /email address such as alice@example\.com or a phone number in international E\.164 form/,
    );
  });

  it.each([[undefined], [null], [42], [{}], [""], ["   "]])(
    "rejects %j as no address at all",
    (input) => {
      const error = rejection(() => normalizeAddress(input, "address"));
      expect(error.message).toMatch(/address must (be a string|not be empty)/);
    },
  );

  it("is idempotent: a normalised address normalises to itself", () => {
    const emails = fc
      .tuple(
        fc.stringMatching(/^[A-Za-z0-9_+-]{1,12}$/),
        fc.stringMatching(/^[A-Za-z0-9]{1,10}$/),
        fc.constantFrom("com", "ORG", "Net", "io"),
      )
      .map(([local, domain, top]) => `${local}@${domain}.${top}`);
    const phones = fc.constantFrom(
      "+14155550100",
      "+1 415 555 0123",
      "+44 7911 123456",
      "+33 6 12 34 56 78",
      "+61 491 570 156",
    );
    fc.assert(
      fc.property(fc.oneof(emails, phones), (input) => {
        const once = normalizeAddress(input);
        expect(normalizeAddress(once)).toBe(once);
        expect(normalizeAddress(` ${input.toUpperCase()} `)).toBe(once);
      }),
    );
  });
});

describe("normalizeAddress on arbitrary input", () => {
  it("either returns an address that normalises to itself or throws ValidationError, never anything else", () => {
    const phoneLike = fc.stringMatching(/^\+?[0-9 ()-]{0,18}$/);
    const knownGood = fc.constantFrom("+14155550100", " Alice@Example.com", "+44 7911 123456");
    const emailLike = fc
      .tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }))
      .map(([local, domain]) => `${local}@${domain}`);
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), phoneLike, emailLike, fc.anything(), knownGood),
        (input) => {
          let normalised: string;
          try {
            normalised = normalizeAddress(input);
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
            return;
          }
          expect(normalizeAddress(normalised)).toBe(normalised);
          expect(normalised).toMatch(/^(\+[1-9]\d{6,14}|[^\sA-Z@]+@[a-z0-9.-]+)$/);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
