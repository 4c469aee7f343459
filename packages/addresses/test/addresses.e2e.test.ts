import {
  type ClientContext,
  createClient,
  NotFoundError,
  UnimplementedError,
  ValidationError,
} from "@threadline/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addresses } from "../src/index.js";
import {
  aliceEmail,
  alicePhone,
  bobAddress,
  carolAddress,
  outsiderAddress,
  startAddressesFixture,
} from "./addresses-fixture.js";

let fixture: Awaited<ReturnType<typeof startAddressesFixture>>;

beforeAll(async () => {
  fixture = await startAddressesFixture();
});

afterAll(() => fixture[Symbol.asyncDispose]());

describe("addresses.isIMessageAvailable", () => {
  it("is true for every address of a registered account, however it is typed", async () => {
    const { carol } = fixture;
    for (const typed of [
      aliceEmail,
      " ALICE@example.COM",
      "+44 7400 123456",
      bobAddress,
      carolAddress,
    ]) {
      expect(await carol.addresses.isIMessageAvailable(typed), typed).toBe(true);
    }
  });

  it("is false for an address without an account, even one in a chat", async () => {
    expect(await fixture.alice.addresses.isIMessageAvailable(outsiderAddress)).toBe(false);
    expect(await fixture.alice.addresses.isIMessageAvailable("nobody@example.org")).toBe(false);
  });
});

describe("addresses.get", () => {
  it("returns a registered address in canonical form, on iMessage, with a phone number's country", async () => {
    const { bob } = fixture;
    expect(await bob.addresses.get("Alice@Example.com")).toEqual({
      address: aliceEmail,
      country: null,
      services: ["iMessage"],
    });
    expect(await bob.addresses.get("+44 7400 123456")).toEqual({
      address: alicePhone,
      country: "GB",
      services: ["iMessage"],
    });
  });

  it("knows an outsider only in the chats of the asker", async () => {
    expect(await fixture.bob.addresses.get(outsiderAddress)).toEqual({
      address: outsiderAddress,
      country: "US",
      services: [],
    });
    const attempt = fixture.carol.addresses.get(outsiderAddress);
    await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
    await expect(attempt).rejects.toThrow(/none of your chats/);
  });

  it("is a NotFoundError for an address the server has never seen", async () => {
    await expect(fixture.alice.addresses.get("stranger@example.net")).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe("Focus status", () => {
  it("setFocusStatus is seen by everyone for every address of the account, and only that account", async () => {
    const { alice, bob, carol } = fixture;
    expect(await bob.addresses.isFocusSilenced(aliceEmail)).toBe(false);
    expect(await alice.addresses.isOwnFocusSilenced()).toBe(false);
    expect(await alice.addresses.setFocusStatus(true)).toBe(true);
    for (const viewer of [alice, bob, carol]) {
      expect(await viewer.addresses.isFocusSilenced(aliceEmail)).toBe(true);
      expect(await viewer.addresses.isFocusSilenced("+44 (7400) 123456")).toBe(true);
    }
    expect(await alice.addresses.isOwnFocusSilenced()).toBe(true);
    expect(await alice.addresses.isFocusSilenced(bobAddress)).toBe(false);
    expect(await bob.addresses.isOwnFocusSilenced()).toBe(false);
    expect(await alice.addresses.setFocusStatus(false)).toBe(false);
    expect(await carol.addresses.isFocusSilenced(alicePhone)).toBe(false);
  });

  it("is false for an address without an account", async () => {
    expect(await fixture.bob.addresses.isFocusSilenced(outsiderAddress)).toBe(false);
  });

  it("changes of Focus status are not events in the log", async () => {
    const { bob } = fixture;
    const before = await bob.events.getLogInfo();
    await bob.addresses.setFocusStatus(true);
    await bob.addresses.setFocusStatus(false);
    expect((await bob.events.getLogInfo()).headSequence).toBe(before.headSequence);
  });

  it("setFocusStatus refuses a non-boolean before the network", async () => {
    const attempt = fixture.bob.addresses.setFocusStatus("yes" as never);
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toThrow(/isSilenced must be true or false; received/);
  });

  it("the extension calls are UnimplementedError on a server without the capability", async () => {
    // A plain photon.imessage.v1 server lists no capabilities (GetServerInfo is
    // UNIMPLEMENTED there): the context reports what core reports for one.
    const im = createClient({
      address: fixture.server.address,
      token: "unused",
      tls: false,
      resources: {
        addresses: (context: ClientContext) =>
          addresses({
            ...context,
            serverCapabilities: async () => ({
              serverName: undefined,
              serverVersion: undefined,
              capabilities: new Set<string>(),
              heartbeatIntervalMs: 15_000,
              maxBatchSize: undefined,
            }),
          }),
      },
    });
    try {
      await expect(im.addresses.setFocusStatus(true)).rejects.toBeInstanceOf(UnimplementedError);
      await expect(im.addresses.isOwnFocusSilenced()).rejects.toThrow(
        /addresses.isOwnFocusSilenced\(\) needs a Threadline server with the "threadline.focus_status" capability/,
      );
    } finally {
      await im.close();
    }
  });
});
