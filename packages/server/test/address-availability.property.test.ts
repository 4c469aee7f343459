import { AddressServiceDefinition as Addresses } from "@threadline/protocol";
import fc from "fast-check";
import { getCountries, getExampleNumber } from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeAddress } from "../src/domain/address.js";
import type { AccountClient } from "./domain-client.js";
import { type DomainTestServer, startDomainTestServer } from "./domain-fixture.js";

// A pool of valid addresses in canonical form: generated emails and one example mobile
// number per country. Runs register some of them and ask about all of them.
const mobileNumbers = getCountries()
  .map((country) => getExampleNumber(country, examples)?.number)
  .filter((number): number is NonNullable<typeof number> => number !== undefined)
  .map(String);

const canonicalAddress = fc.oneof(
  fc.emailAddress().map((email) => email.toLowerCase()),
  fc.constantFrom(...mobileNumbers),
);

/** How to type an address differently: surrounding spaces, upper-case letters, separators. */
const retyping = fc.record({
  before: fc.constantFrom("", " ", "  ", "\t"),
  after: fc.constantFrom("", " ", "\n"),
  upper: fc.array(fc.boolean(), { maxLength: 80 }),
  separators: fc.array(fc.constantFrom("", "", " ", "-", "."), { maxLength: 20 }),
});

type Retyping = typeof retyping extends fc.Arbitrary<infer Value> ? Value : never;

/** Another way a person might type the same address: case for emails, separators for phones. */
function retype(address: string, how: Retyping): string {
  if (address.includes("@")) {
    const cased = [...address].map((char, index) => (how.upper[index] ? char.toUpperCase() : char));
    return `${how.before}${cased.join("")}${how.after}`;
  }
  const digits = [...address.slice(1)];
  const spaced = digits.map((digit, index) =>
    index === 0 ? digit : `${how.separators[index - 1] ?? ""}${digit}`,
  );
  return `${how.before}+${spaced.join("")}${how.after}`;
}

let server: DomainTestServer;
let asker: AccountClient;
// The model: every address registered so far (canonical form).
const registered = new Set<string>();

beforeAll(async () => {
  server = await startDomainTestServer();
  asker = await server.connect("asker@example.com");
  registered.add("asker@example.com");
});

afterAll(() => server.close());

describe("iMessage availability (property)", () => {
  it("an address is available exactly when an account registered it, whatever its spelling", async () => {
    let hits = 0;
    let misses = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          candidate: canonicalAddress,
          register: fc.boolean(),
          askRegistered: fc.boolean(),
          pick: fc.nat(),
          fresh: canonicalAddress,
          how: retyping,
        }),
        async ({ candidate, register, askRegistered, pick, fresh, how }) => {
          if (register && !registered.has(candidate)) {
            await server.createAccount([candidate]);
            registered.add(candidate);
          }
          const known = [...registered];
          const queried = askRegistered ? (known[pick % known.length] ?? fresh) : fresh;
          const typed = retype(queried, how);
          // The spelling must mean the address it was made from, or the property is vacuous.
          expect(normalizeAddress(typed)).toBe(queried);
          const { isAvailable } = await asker.call(Addresses.getIMessageAvailability, {
            address: typed,
          });
          expect(isAvailable).toBe(registered.has(queried));
          if (isAvailable) {
            hits += 1;
            const { info } = await asker.call(Addresses.getAddressInfo, { address: typed });
            expect(info?.address).toBe(queried);
          } else {
            misses += 1;
          }
        },
      ),
      { numRuns: 80 },
    );
    // Both outcomes were exercised.
    expect(hits).toBeGreaterThan(0);
    expect(misses).toBeGreaterThan(0);
  });
});
