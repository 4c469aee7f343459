import { chats } from "@threadline/chats";
import { createClient } from "@threadline/core";

import { startTestServer } from "@threadline/server/testing";
import { groups } from "../src/index.js";

/** A 1×1 PNG: the smallest real image the server's type detection accepts. */
export const pngBytes = Uint8Array.from(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    "base64",
  ),
);

/** The leading bytes of a JPEG (SOI and an APP0 marker): what the server's detection reads. */
export const jpegBytes = Uint8Array.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01,
]);

export const aliceAddress = "alice@example.com";
export const bobAddress = "bob@example.com";
export const carolAddress = "carol@example.com";
export const daveAddress = "dave@example.com";

/**
 * A real server on port 0 with four accounts (Alice, Bob, Carol; Dave joins later),
 * a client with chats and groups for each, and a group of Alice, Bob and Carol.
 */
export async function startGroupsFixture() {
  const server = await startTestServer();
  const accounts = {
    alice: await server.accounts.create([aliceAddress]),
    bob: await server.accounts.create([bobAddress]),
    carol: await server.accounts.create([carolAddress]),
    dave: await server.accounts.create([daveAddress]),
  };
  const connect = (token: string) =>
    createClient({ address: server.address, token, tls: false, resources: { chats, groups } });
  const clients = {
    alice: connect(accounts.alice.token),
    bob: connect(accounts.bob.token),
    carol: connect(accounts.carol.token),
    dave: connect(accounts.dave.token),
  };
  const { chat: group } = await clients.alice.chats.create([bobAddress, carolAddress], {
    message: "Hello, group",
  });
  const { chat: direct } = await clients.alice.chats.create([bobAddress]);
  return {
    server,
    ...clients,
    group: group.guid,
    direct: direct.guid,
    async [Symbol.asyncDispose]() {
      await Promise.allSettled(Object.values(clients).map((client) => client.close()));
      await server[Symbol.asyncDispose]();
    },
  };
}
