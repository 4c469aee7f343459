import { allowedAddresses, ValidationError } from "@threadline/core";
import { recordingContext } from "@threadline/core/testing";
import { AddressServiceDefinition } from "@threadline/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addresses } from "../src/index.js";
import { startAddressesFixture } from "./addresses-fixture.js";

type Addresses = ReturnType<typeof addresses>;

let fixture: Awaited<ReturnType<typeof startAddressesFixture>>;

beforeAll(async () => {
  fixture = await startAddressesFixture();
});

afterAll(() => fixture[Symbol.asyncDispose]());

const lookups: ReadonlyArray<
  readonly [string, (im: Addresses, address: unknown) => Promise<unknown>]
> = [
  ["get", (im, address) => im.get(address as string)],
  ["isFocusSilenced", (im, address) => im.isFocusSilenced(address as string)],
  ["isIMessageAvailable", (im, address) => im.isIMessageAvailable(address as string)],
];

// Each rejection names what would have been accepted: core's address description, or for
// a service number the kinds of number that are allowed.
const malformed: ReadonlyArray<readonly [unknown, RegExp, string?]> = [
  ["", /address must not be empty/],
  ["   ", /address must not be empty/],
  ["hello", /is neither an email address nor a phone number/],
  ["alice@", /is not a valid email address/],
  ["4155550100", /international form/],
  ["12345", /short code/],
  ["911", /emergency number/],
  ["411", /service number/],
  [
    "+19005550100",
    /premium-rate number/,
    "a personal mobile or landline number, or an email address",
  ],
  ["+1555", /not a valid phone number/],
  [42, /address must be a string/],
  [undefined, /address must be a string/],
];

describe("client-side validation happens before any network call", () => {
  it("the recorder sees valid calls, so an empty record below means nothing was sent", async () => {
    const recorded = recordingContext(fixture.alice.context);
    const im = addresses(recorded.context);
    await im.isIMessageAvailable("  Bob@Example.com ");
    await im.isFocusSilenced("+1 415 555 0100");
    await im.get("bob@example.com");
    expect(recorded.calls.map((call) => [call.path, call.request])).toEqual([
      [
        "/photon.imessage.v1.AddressService/GetIMessageAvailability",
        { address: "bob@example.com" },
      ],
      ["/photon.imessage.v1.AddressService/GetFocusStatus", { address: "+14155550100" }],
      ["/photon.imessage.v1.AddressService/GetAddressInfo", { address: "bob@example.com" }],
    ]);
  });

  it.each(lookups)(
    "%s refuses every malformed address with a ValidationError that says what is allowed, sending nothing",
    async (_name, lookup) => {
      const recorded = recordingContext(fixture.alice.context);
      const im = addresses(recorded.context);
      for (const [address, message, allowed = allowedAddresses] of malformed) {
        const attempt = lookup(im, address);
        await expect(attempt, JSON.stringify(address)).rejects.toBeInstanceOf(ValidationError);
        await expect(attempt).rejects.toThrow(message);
        await expect(attempt).rejects.toThrow(allowed);
        await expect(attempt).rejects.toMatchObject({ code: "INVALID_ARGUMENT", retryable: false });
      }
      expect(recorded.calls).toEqual([]);
    },
  );

  it.each([
    [
      "options that are not an object",
      (im: Addresses) => im.get("bob@example.com", 1 as never),
      /options must be an object/,
    ],
    [
      "a timeout that is not positive",
      (im: Addresses) => im.isIMessageAvailable("bob@example.com", { timeoutMs: 0 }),
      /options\.timeoutMs must be a positive/,
    ],
    [
      "a signal that is not an AbortSignal",
      (im: Addresses) => im.isFocusSilenced("bob@example.com", { signal: {} as never }),
      /options\.signal must be an AbortSignal/,
    ],
    [
      "a Focus status that is not a boolean",
      (im: Addresses) => im.setFocusStatus(1 as never),
      /isSilenced must be true or false/,
    ],
    [
      "setFocusStatus options that are not an object",
      (im: Addresses) => im.setFocusStatus(true, "fast" as never),
      /options must be an object/,
    ],
  ])("%s is a ValidationError and no RPC goes out", async (_name, call, message) => {
    const recorded = recordingContext(fixture.alice.context);
    const attempt = call(addresses(recorded.context));
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toThrow(message);
    expect(recorded.calls).toEqual([]);
  });

  it("the server rejects a malformed address too: a raw call still gets a ValidationError", async () => {
    // Bypass the SDK's own check by calling the RPC through the context directly.
    const attempt = fixture.alice.context.unary(AddressServiceDefinition.getIMessageAvailability, {
      address: "12345",
    });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toThrow(/short code/);
  });
});
