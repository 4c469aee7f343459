import { status } from "@grpc/grpc-js";
import fc from "fast-check";
import { getCountries, getExampleNumber } from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";
import { describe, expect, it } from "vitest";
import {
  allowedAddressDescription,
  normalizeAddress,
  normalizeAddressList,
} from "../src/domain/address.js";
import { parseChatGuid } from "../src/domain/chat-guid.js";
import { ServerError } from "../src/errors/server-error.js";
import { grpcStatusOf } from "../src/rpc/error-status.js";

const e164 = /^\+[1-9][0-9]{6,14}$/;
const mobileNumbers = getCountries()
  .map((country) => getExampleNumber(country, examples)?.number)
  .filter((number): number is NonNullable<typeof number> => number !== undefined)
  .map(String);

function rejection(run: () => unknown): ServerError {
  try {
    run();
  } catch (error) {
    if (error instanceof ServerError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("normalizeAddress", () => {
  it("lower-cases emails and is idempotent", () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        const normalized = normalizeAddress(email.toUpperCase());
        expect(normalized).toBe(email.toLowerCase());
        expect(normalizeAddress(normalized)).toBe(normalized);
      }),
    );
  });

  it("turns any international spelling of a valid mobile number into the same E.164", () => {
    const separator = fc.constantFrom("", " ", "-", ".");
    fc.assert(
      fc.property(
        fc.constantFrom(...mobileNumbers),
        separator,
        fc.boolean(),
        (number, join, parens) => {
          const digits = number.slice(1);
          const country = digits.slice(0, 2);
          const rest =
            digits
              .slice(2)
              .match(/.{1,3}/g)
              ?.join(join) ?? "";
          const spelled = parens ? `+${country} (${rest})` : `+${country}${join}${rest}`;
          // Splitting after two digits may cut a country code; either way the digits are the same.
          const normalized = normalizeAddress(spelled);
          expect(normalized).toBe(number);
          expect(normalizeAddress(normalized)).toBe(normalized);
        },
      ),
    );
  });

  it("either returns an email or E.164 number, or rejects with INVALID_ARGUMENT naming the input", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.stringMatching(/^\+?[0-9 ()-]{0,18}$/), fc.emailAddress()),
        (raw) => {
          let normalized: string;
          try {
            normalized = normalizeAddress(raw);
          } catch (error) {
            expect(error).toBeInstanceOf(ServerError);
            if (!(error instanceof ServerError)) return;
            expect(grpcStatusOf(error)).toBe(status.INVALID_ARGUMENT);
            expect(error.message).toContain(JSON.stringify(raw));
            expect(error.message).toContain(allowedAddressDescription);
            return;
          }
          expect(
            normalized.includes("@")
              ? normalized === normalized.toLowerCase()
              : e164.test(normalized),
          ).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it.each([
    ["12345", "short code"],
    ["911", "is an emergency number"],
    ["112", "is an emergency number"],
    ["999", "is an emergency number"],
    ["411", "is a service number (an N11 code"],
    ["+19005550100", "service number (premium-rate)"],
    ["+448712345678", "service number"],
    ["4155550100", "international form"],
    ["+1555", "not a valid phone number"],
    ["alice@", "not a valid email"],
    [".alice@example.com", "not a valid email"],
    ["alice.@example.com", "not a valid email"],
    ["al..ice@example.com", "not a valid email"],
    ["@example.com", "not a valid email"],
    ["alice@example", "not a valid email"],
    ["alice smith@example.com", "not a valid email"],
    ["hello", "neither an email address nor a phone number"],
    ["  ", "is empty"],
  ])("rejects %j: %s", (raw, fragment) => {
    const error = rejection(() => normalizeAddress(raw));
    expect(grpcStatusOf(error)).toBe(status.INVALID_ARGUMENT);
    expect(error.message).toContain(fragment);
  });
});

describe("normalizeAddressList", () => {
  it("rejects any list that repeats a recipient in another spelling, naming both spellings", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.emailAddress(), {
          minLength: 1,
          maxLength: 5,
          selector: (email) => email.toLowerCase(),
        }),
        fc.nat(),
        (emails, pick) => {
          const repeated = emails[pick % emails.length] ?? "";
          const error = rejection(() => normalizeAddressList([...emails, repeated.toUpperCase()]));
          expect(error.message).toContain("same recipient twice");
          expect(error.message).toContain(JSON.stringify(repeated.toUpperCase()));
          expect(normalizeAddressList(emails)).toEqual(emails.map((email) => email.toLowerCase()));
        },
      ),
    );
  });

  it("rejects an empty list", () => {
    expect(rejection(() => normalizeAddressList([])).message).toContain("at least one address");
  });
});

describe("parseChatGuid", () => {
  it("parses what it names and normalises direct addresses", () => {
    expect(parseChatGuid("any;-;Bob@Example.com")).toEqual({
      kind: "direct",
      address: "bob@example.com",
    });
    expect(parseChatGuid("any;+;abc_123")).toEqual({ kind: "group", groupId: "abc_123" });
  });

  it("rejects anything that is not one of the two shapes with INVALID_ARGUMENT", () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        fc.pre(!raw.startsWith("any;-;") && !raw.startsWith("any;+;"));
        const error = rejection(() => parseChatGuid(raw));
        expect(grpcStatusOf(error)).toBe(status.INVALID_ARGUMENT);
        expect(error.message).toContain("any;+;<group id>");
      }),
    );
  });
});
