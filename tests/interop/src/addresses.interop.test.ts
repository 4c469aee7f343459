import {
  type AdvancedIMessage,
  NotFoundError as PublishedNotFoundError,
  ValidationError as PublishedValidationError,
} from "@photon-ai/advanced-imessage/grpc";
import { addresses } from "@threadline/addresses";
import { chats } from "@threadline/chats";
import { createClient, NotFoundError, ValidationError } from "@threadline/core";
import { startTestServer } from "@threadline/server/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { comparable } from "./comparable.js";
import { connectPhoton } from "./fixture.js";

const aliceEmail = "alice@example.com";
const alicePhone = "+447400123456";
const bobAddress = "bob@example.com";
const carolAddress = "+14155550100";
/** Has no account; Alice and Bob have it in a group. */
const outsider = "+12025550123";

type Ours = ReturnType<typeof connectOurs>;

function connectOurs(address: string, token: string) {
  return createClient({ address, token, resources: { chats, addresses } });
}

interface Person {
  readonly photon: AdvancedIMessage;
  readonly threadline: Ours;
}

let server: Awaited<ReturnType<typeof startTestServer>>;
let alice: Person;
let bob: Person;
let carol: Person;

beforeAll(async () => {
  server = await startTestServer();
  const person = async (addressList: string[]): Promise<Person> => {
    const { token } = await server.accounts.create(addressList);
    return {
      photon: connectPhoton(server.address, token),
      threadline: connectOurs(server.address, token),
    };
  };
  alice = await person([aliceEmail, alicePhone]);
  bob = await person([bobAddress]);
  carol = await person([carolAddress]);
  await alice.threadline.chats.create([bobAddress, outsider], { message: "Hello" });
});

afterAll(async () => {
  for (const someone of [alice, bob, carol]) {
    await someone.photon[Symbol.asyncDispose]();
    await someone.threadline.close();
  }
  await server.close();
});

/** The rejection a call ends with; fails the test when it succeeds. */
async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error("the call succeeded but the test expected a rejection");
}

describe("published client and @threadline/addresses against one server", () => {
  it("isIMessageAvailable: the same answer through both, true exactly for registered addresses", async () => {
    const cases = [
      [aliceEmail, true],
      [" ALICE@Example.com ", true],
      [alicePhone, true],
      ["+44 7400 123456", true],
      [bobAddress, true],
      ["+1 (415) 555-0100", true],
      [outsider, false],
      ["nobody@example.org", false],
    ] as const;
    for (const [address, expected] of cases) {
      const viaPublished = await carol.photon.addresses.isIMessageAvailable(address);
      const viaOurs = await carol.threadline.addresses.isIMessageAvailable(address);
      expect([address, viaPublished, viaOurs]).toEqual([address, expected, expected]);
    }
  });

  it("get: the same record through both for a registered email, a phone and an outsider in the asker's chat", async () => {
    const cases = [
      [bob, "Alice@Example.COM", { address: aliceEmail, country: null, services: ["iMessage"] }],
      [bob, "+44 7400 123456", { address: alicePhone, country: "GB", services: ["iMessage"] }],
      [alice, carolAddress, { address: carolAddress, country: "US", services: ["iMessage"] }],
      [bob, outsider, { address: outsider, country: "US", services: [] }],
    ] as const;
    for (const [viewer, address, expected] of cases) {
      const viaPublished = await viewer.photon.addresses.get(address);
      const viaOurs = await viewer.threadline.addresses.get(address);
      expect(comparable(viaPublished)).toStrictEqual(expected);
      expect(comparable(viaOurs)).toStrictEqual(comparable(viaPublished));
    }
  });

  it("get: NotFound through both for an unknown address and for an outsider outside the asker's chats", async () => {
    for (const address of ["stranger@example.net", outsider]) {
      const published = await rejectionOf(carol.photon.addresses.get(address));
      const ours = await rejectionOf(carol.threadline.addresses.get(address));
      expect(published, address).toBeInstanceOf(PublishedNotFoundError);
      expect(ours, address).toBeInstanceOf(NotFoundError);
    }
  });

  it("isFocusSilenced: both clients see the status the account set, for each of its addresses", async () => {
    const read = async (viewer: Person, address: string) => [
      await viewer.photon.addresses.isFocusSilenced(address),
      await viewer.threadline.addresses.isFocusSilenced(address),
    ];
    expect(await read(bob, aliceEmail)).toEqual([false, false]);
    await alice.threadline.addresses.setFocusStatus(true);
    for (const viewer of [alice, bob, carol]) {
      expect(await read(viewer, aliceEmail)).toEqual([true, true]);
      expect(await read(viewer, "+44 7400 123456")).toEqual([true, true]);
    }
    expect(await read(alice, bobAddress)).toEqual([false, false]);
    expect(await read(bob, outsider)).toEqual([false, false]);
    await alice.threadline.addresses.setFocusStatus(false);
    expect(await read(carol, alicePhone)).toEqual([false, false]);
  });

  it("a malformed address is a ValidationError through both: the server refuses what the published client sends", async () => {
    for (const address of ["", "hello", "4155550100", "12345", "911", "+19005550100"]) {
      const published = await rejectionOf(bob.photon.addresses.isIMessageAvailable(address));
      const ours = await rejectionOf(bob.threadline.addresses.isIMessageAvailable(address));
      expect(published, JSON.stringify(address)).toBeInstanceOf(PublishedValidationError);
      expect(ours, JSON.stringify(address)).toBeInstanceOf(ValidationError);
      // The server's message names what is allowed.
      expect(String((published as Error).message)).toContain("E.164");
      for (const call of [
        bob.photon.addresses.get(address),
        bob.photon.addresses.isFocusSilenced(address),
      ]) {
        expect(await rejectionOf(call)).toBeInstanceOf(PublishedValidationError);
      }
    }
  });

  it("for any input, both clients agree: the same availability, or both a ValidationError (property)", async () => {
    const typed = fc.oneof(
      fc.string({ maxLength: 24 }),
      fc.stringMatching(/^\+?[0-9 ().-]{0,18}$/),
      fc.emailAddress(),
      fc.constantFrom(aliceEmail, " Alice@Example.com", "+44 7400 123456", bobAddress, outsider),
    );
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(typed, async (address) => {
        const viaPublished = await carol.photon.addresses.isIMessageAvailable(address).then(
          (available) => ({ available }),
          (error: unknown) => ({ error }),
        );
        const viaOurs = await carol.threadline.addresses.isIMessageAvailable(address).then(
          (available) => ({ available }),
          (error: unknown) => ({ error }),
        );
        if ("available" in viaPublished) {
          accepted += 1;
          expect(viaOurs).toEqual(viaPublished);
        } else {
          refused += 1;
          expect(viaPublished.error).toBeInstanceOf(PublishedValidationError);
          expect("error" in viaOurs && viaOurs.error).toBeInstanceOf(ValidationError);
        }
      }),
      { numRuns: 150 },
    );
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});
