import { chats } from "@threadline/chats";
import { createClient } from "@threadline/core";
import { startTestServer } from "@threadline/server/testing";
import { messages } from "../src/index.js";

/** Alice's and Bob's addresses; Carol is an outsider. */
export const aliceAddress = "alice@example.com";
export const bobAddress = "bob@example.com";
export const carolAddress = "carol@example.com";
/** The direct chat as each side names it. */
export const aliceToBob = `any;-;${bobAddress}`;
export const bobToAlice = `any;-;${aliceAddress}`;

/**
 * A real server on port 0 with three accounts, a client with `chats` and `messages` for
 * each, and a direct chat between Alice and Bob.
 */
export async function startMessagesFixture() {
  const server = await startTestServer({ heartbeatIntervalMs: 200 });
  const alice = await server.accounts.create([aliceAddress]);
  const bob = await server.accounts.create([bobAddress]);
  const carol = await server.accounts.create([carolAddress]);
  const connect = (token: string) =>
    createClient({ address: server.address, token, tls: false, resources: { chats, messages } });
  const clients = {
    alice: connect(alice.token),
    bob: connect(bob.token),
    carol: connect(carol.token),
  };
  await clients.alice.chats.create([bobAddress]);
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
