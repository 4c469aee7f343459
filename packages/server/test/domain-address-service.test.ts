import { status } from "@grpc/grpc-js";
import {
  AddressServiceDefinition as Addresses,
  ChatServiceDefinition as Chat,
  FocusStatusServiceDefinition as Focus,
  photon,
  ServerInfoServiceDefinition,
  type threadline,
} from "@threadline/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { allowedAddressDescription, normalizeRequestAddress } from "../src/domain/address.js";
import { ServerError } from "../src/errors/server-error.js";
import { startTestServer } from "../src/testing.js";
import { type AccountClient, connectAccount } from "./domain-client.js";
import { type DomainTestServer, startDomainTestServer } from "./domain-fixture.js";
import { createRawClient } from "./support/grpc-client.js";

const iMessage = photon.imessage.v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE;

let server: DomainTestServer;
let alice: AccountClient;
let bob: AccountClient;
let carol: AccountClient;

beforeEach(async () => {
  server = await startDomainTestServer();
  // Alice has two addresses, an email (primary) and a UK mobile number.
  const { token } = await server.createAccount(["alice@example.com", "+447400123456"]);
  alice = connectAccount(server.address, token);
  bob = await server.connect("bob@example.com");
  carol = await server.connect("+14155550100");
});

afterEach(async () => {
  alice.close();
  await server.close();
});

async function available(client: AccountClient, address: string): Promise<boolean> {
  return (await client.call(Addresses.getIMessageAvailability, { address })).isAvailable;
}

async function silenced(client: AccountClient, address: string): Promise<boolean> {
  return (await client.call(Addresses.getFocusStatus, { address })).isSilencedByFocus;
}

describe("GetIMessageAvailability", () => {
  it("is true for every address of a registered account, in any spelling that normalises to it", async () => {
    for (const spelling of [
      "alice@example.com",
      "  ALICE@Example.COM ",
      "+447400123456",
      "+44 7400 123456",
      "+44-7400-123-456",
      "bob@example.com",
      "+1 (415) 555-0100",
    ]) {
      expect(await available(carol, spelling), spelling).toBe(true);
    }
  });

  it("is false for a well-formed address that no account has, even one that takes part in a chat", async () => {
    await alice.call(Chat.createChat, { addresses: ["dave@example.com"] });
    expect(await available(alice, "dave@example.com")).toBe(false);
    expect(await available(bob, "erin@example.org")).toBe(false);
    expect(await available(bob, "+14155550199")).toBe(false);
  });
});

describe("GetFocusStatus and threadline.v1.FocusStatusService", () => {
  it("is false until the account sets it, then every caller sees it for every address of that account", async () => {
    expect(await silenced(bob, "alice@example.com")).toBe(false);
    expect((await alice.call(Focus.getOwnFocusStatus, {})).isSilencedByFocus).toBe(false);

    const set = await alice.call(Focus.setFocusStatus, { isSilencedByFocus: true });
    expect(set.isSilencedByFocus).toBe(true);
    for (const viewer of [alice, bob, carol]) {
      expect(await silenced(viewer, "alice@example.com")).toBe(true);
      expect(await silenced(viewer, " +44 7400 123456 ")).toBe(true);
    }
    expect((await alice.call(Focus.getOwnFocusStatus, {})).isSilencedByFocus).toBe(true);
    // Alice's status is hers alone.
    expect(await silenced(alice, "bob@example.com")).toBe(false);
    expect(await silenced(alice, "+14155550100")).toBe(false);
    expect((await bob.call(Focus.getOwnFocusStatus, {})).isSilencedByFocus).toBe(false);

    expect(
      (await alice.call(Focus.setFocusStatus, { isSilencedByFocus: false })).isSilencedByFocus,
    ).toBe(false);
    expect(await silenced(bob, "alice@example.com")).toBe(false);
  });

  it("setting the same status again is safe and changes nothing", async () => {
    await bob.call(Focus.setFocusStatus, { isSilencedByFocus: true });
    await bob.call(Focus.setFocusStatus, { isSilencedByFocus: true });
    expect(await silenced(carol, "bob@example.com")).toBe(true);
  });

  it("is false for an address without an account", async () => {
    await alice.call(Focus.setFocusStatus, { isSilencedByFocus: true });
    expect(await silenced(alice, "dave@example.com")).toBe(false);
  });

  it("writes no log event for anyone (the published event protocol has none for Focus)", async () => {
    await alice.call(Chat.createChat, {
      addresses: ["bob@example.com"],
      initialMessage: { text: "hi" },
    });
    const bobBefore = await bob.catchUp();
    const aliceBefore = await alice.catchUp();
    await alice.call(Focus.setFocusStatus, { isSilencedByFocus: true });
    await bob.call(Focus.setFocusStatus, { isSilencedByFocus: true });
    expect(await bob.catchUp()).toEqual(bobBefore);
    expect(await alice.catchUp()).toEqual(aliceBefore);
    expect(bobBefore).toHaveLength(1);
  });
});

describe("GetAddressInfo", () => {
  it("returns a registered address normalised, on iMessage, with the country of a phone number", async () => {
    const email = (await carol.call(Addresses.getAddressInfo, { address: " Alice@EXAMPLE.com" }))
      .info;
    expect(email).toEqual(
      photon.imessage.v1.MultiServiceAddressInfo.fromObject({
        address: "alice@example.com",
        services: [iMessage],
      }),
    );
    expect(email?.country ?? null).toBeNull();

    const uk = (await bob.call(Addresses.getAddressInfo, { address: "+44 7400 123456" })).info;
    expect({ address: uk?.address, services: uk?.services, country: uk?.country }).toEqual({
      address: "+447400123456",
      services: [iMessage],
      country: "GB",
    });
    const us = (await alice.call(Addresses.getAddressInfo, { address: "+1 415-555-0100" })).info;
    expect({ address: us?.address, services: us?.services, country: us?.country }).toEqual({
      address: "+14155550100",
      services: [iMessage],
      country: "US",
    });
  });

  it("knows an address without an account only from inside the viewer's own chats, with no service", async () => {
    await alice.call(Chat.createChat, { addresses: ["bob@example.com", "+12025550123"] });
    const seenByAlice = (await alice.call(Addresses.getAddressInfo, { address: "+1 202 555 0123" }))
      .info;
    expect({
      address: seenByAlice?.address,
      services: seenByAlice?.services,
      country: seenByAlice?.country,
    }).toEqual({ address: "+12025550123", services: [], country: "US" });
    // Bob is in the same group and sees it too; Carol is not and learns nothing.
    expect(
      (await bob.call(Addresses.getAddressInfo, { address: "+12025550123" })).info?.services,
    ).toEqual([]);
    const failure = await carol.failure(Addresses.getAddressInfo, { address: "+12025550123" });
    expect(failure.code).toBe(status.NOT_FOUND);
    expect(failure.errorCode).toBe("NOT_FOUND");
    expect(failure.details).toContain('"+12025550123"');
    expect(failure.details).toContain("none of your chats");
  });

  it("is NOT_FOUND for an address the server has never seen", async () => {
    const failure = await bob.failure(Addresses.getAddressInfo, { address: "Nobody@Example.com" });
    expect(failure.code).toBe(status.NOT_FOUND);
    expect(failure.details).toContain('"nobody@example.com"');
  });
});

describe("rejections", () => {
  const lookups = [
    [
      "GetAddressInfo",
      (client: AccountClient, address: string) =>
        client.failure(Addresses.getAddressInfo, { address }),
    ],
    [
      "GetFocusStatus",
      (client: AccountClient, address: string) =>
        client.failure(Addresses.getFocusStatus, { address }),
    ],
    [
      "GetIMessageAvailability",
      (client: AccountClient, address: string) =>
        client.failure(Addresses.getIMessageAvailability, { address }),
    ],
  ] as const;
  const malformed = [
    ["", "is empty"],
    ["   ", "is empty"],
    ["hello", "neither an email address nor a phone number"],
    ["alice@", "not a valid email address"],
    ["alice@example", "not a valid email address"],
    ["4155550100", "international form"],
    ["12345", "short code"],
    ["911", "emergency number"],
    ["411", "service number"],
    ["+19005550100", "service number (premium-rate)"],
    ["+1555", "not a valid phone number"],
  ] as const;

  it.each(lookups)(
    "%s refuses every malformed address with INVALID_ARGUMENT saying what is allowed",
    async (_name, lookup) => {
      for (const [address, problem] of malformed) {
        const failure = await lookup(bob, address);
        expect(failure.code, JSON.stringify(address)).toBe(status.INVALID_ARGUMENT);
        expect(failure.errorCode).toBe("INVALID_ARGUMENT");
        expect(failure.details).toContain(problem);
        expect(failure.details).toContain(JSON.stringify(address));
        expect(failure.details).toContain(allowedAddressDescription);
      }
    },
  );

  it("a rejected lookup names the request field `address` (sent as the `field` trailer)", () => {
    let caught: unknown;
    try {
      normalizeRequestAddress("12345", "address");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ServerError);
    expect(caught).toMatchObject({ errorCode: "INVALID_ARGUMENT", field: "address" });
    expect(caught instanceof ServerError && caught.trailers).toEqual({ field: "address" });
    expect(normalizeRequestAddress(" Bob@Example.com ", "address")).toBe("bob@example.com");
  });

  it("every address and focus call needs a valid bearer token", async () => {
    const stranger = connectAccount(server.address, "not-a-token");
    try {
      for (const failure of [
        await stranger.failure(Addresses.getAddressInfo, { address: "alice@example.com" }),
        await stranger.failure(Addresses.getFocusStatus, { address: "alice@example.com" }),
        await stranger.failure(Addresses.getIMessageAvailability, { address: "alice@example.com" }),
        await stranger.failure(Focus.setFocusStatus, { isSilencedByFocus: true }),
        await stranger.failure(Focus.getOwnFocusStatus, {}),
      ]) {
        expect(failure.code).toBe(status.UNAUTHENTICATED);
        expect(failure.errorCode).toBe("UNAUTHENTICATED");
      }
      expect(await silenced(bob, "alice@example.com")).toBe(false);
    } finally {
      stranger.close();
    }
  });
});

describe("durability", () => {
  it("a Focus status set before a restart is still there after it", async () => {
    const test = await startTestServer();
    try {
      const { token } = await test.accounts.create(["frank@example.com"]);
      const before = connectAccount(test.address, token);
      await before.call(Focus.setFocusStatus, { isSilencedByFocus: true });
      before.close();
      await test.restart();
      const after = connectAccount(test.address, token);
      try {
        expect(await silenced(after, "frank@example.com")).toBe(true);
        expect((await after.call(Focus.getOwnFocusStatus, {})).isSilencedByFocus).toBe(true);
      } finally {
        after.close();
      }
    } finally {
      await test.close();
    }
  });
});

describe("capabilities", () => {
  it("GetServerInfo lists threadline.focus_status", async () => {
    const { token } = await server.createAccount(["grace@example.com"]);
    const info = createRawClient(server.address, ServerInfoServiceDefinition, token);
    try {
      const response = await info.unary<threadline.v1.ServerInfo>("getServerInfo", {});
      expect(response.capabilities).toContain("threadline.focus_status");
    } finally {
      info.close();
    }
  });
});
