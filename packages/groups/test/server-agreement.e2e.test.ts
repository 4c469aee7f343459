import { ValidationError } from "@threadline/core";
import { GroupServiceDefinition } from "@threadline/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkDisplayName } from "../src/display-name.js";
import { checkParticipantAddresses } from "../src/participant-addresses.js";
import { startGroupsFixture } from "./groups-fixture.js";

/** Whether `check` accepts `value` without throwing; any other error fails the test. */
function sdkAccepts(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch (error) {
    if (error instanceof ValidationError) return false;
    throw error;
  }
}

/** Address-like strings: real shapes, near misses and noise. */
const addressLike = fc.oneof(
  fc.constantFrom(
    "dave@example.com",
    " Dave@Example.COM ",
    "+14155550123",
    "+1 (415) 555-0123",
    "+44 20 7946 0958",
    "12345",
    "4155550123",
    "+19005550199",
    "+12345",
    "dave@example",
    "dave@@example.com",
    "dave@example.c0m",
    "dave@-example.com",
    ".dave@example.com",
    "dave.@example.com",
    "da..ve@example.com",
    "",
    " ",
  ),
  fc
    .tuple(fc.stringMatching(/^[a-z0-9._+-]{1,12}$/), fc.stringMatching(/^[a-z0-9.-]{1,12}$/))
    .map(([local, domain]) => `${local}@${domain}.com`),
  fc.stringMatching(/^\+?[0-9 ().-]{1,18}$/),
  fc.string({ maxLength: 20 }),
);

describe("the SDK's checks agree with the server's", () => {
  it("a display name is refused before the network exactly when the server would refuse it", async () => {
    await using fixture = await startGroupsFixture();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc
            .nat({ max: 40 })
            .map((pad) => `${" ".repeat(pad)}${"n".repeat(256)}${" ".repeat(pad)}`),
          fc.integer({ min: 250, max: 262 }).map((length) => "é".repeat(length)),
        ),
        async (displayName) => {
          const sdk = sdkAccepts(() => checkDisplayName("displayName", displayName));
          const server = await fixture.alice.context
            .unary(
              GroupServiceDefinition.setDisplayName,
              { chatGuid: fixture.group, displayName },
              { mutating: true },
            )
            .then(
              () => true,
              (error: unknown) =>
                error instanceof ValidationError ? false : Promise.reject(error),
            );
          expect(sdk, JSON.stringify(displayName)).toBe(server);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("an address list is refused before the network exactly when the server would refuse it", async () => {
    await using fixture = await startGroupsFixture();
    await fc.assert(
      fc.asyncProperty(fc.array(addressLike, { minLength: 1, maxLength: 3 }), async (addresses) => {
        const sdk = sdkAccepts(() => checkParticipantAddresses("addresses", addresses));
        const added = await fixture.alice.context
          .unary(
            GroupServiceDefinition.addParticipants,
            { chatGuid: fixture.group, addresses },
            { mutating: true },
          )
          .then(
            () => true,
            (error: unknown) => (error instanceof ValidationError ? false : Promise.reject(error)),
          );
        if (added) {
          // Put the group back for the next run.
          await fixture.alice.context.unary(
            GroupServiceDefinition.removeParticipants,
            { chatGuid: fixture.group, addresses },
            { mutating: true },
          );
        }
        expect(sdk, JSON.stringify(addresses)).toBe(added);
      }),
      { numRuns: 300 },
    );
  });
});
