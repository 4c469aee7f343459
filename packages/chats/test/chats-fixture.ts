import { createClient } from "@threadline/core";
import { startTestServer } from "@threadline/server/testing";
import { chats } from "../src/index.js";

/** A 1×1 PNG: the smallest real image the server's type detection accepts. */
export const pngBytes = Uint8Array.from(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    "base64",
  ),
);

/** Addresses of the two test accounts. */
export const aliceAddress = "alice@example.com";
export const bobAddress = "bob@example.com";
export const bobPhone = "+14155550100";
export const carolAddress = "carol@example.com";

/**
 * A real server on port 0 with three accounts and a chats-enabled client for each:
 * Alice and Bob talk to each other, Carol is an outsider.
 */
export async function startChatsFixture() {
  const server = await startTestServer();
  const alice = await server.accounts.create([aliceAddress]);
  const bob = await server.accounts.create([bobAddress, bobPhone]);
  const carol = await server.accounts.create([carolAddress]);
  const connect = (token: string) =>
    createClient({ address: server.address, token, tls: false, resources: { chats } });
  const clients = {
    alice: connect(alice.token),
    bob: connect(bob.token),
    carol: connect(carol.token),
  };
  return {
    server,
    tokens: { alice: alice.token, bob: bob.token, carol: carol.token },
    ...clients,
    async [Symbol.asyncDispose]() {
      await Promise.allSettled(Object.values(clients).map((client) => client.close()));
      await server[Symbol.asyncDispose]();
    },
  };
}
