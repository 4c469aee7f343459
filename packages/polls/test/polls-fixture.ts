import { chats } from "@threadline/chats";
import { createClient } from "@threadline/core";

import { startTestServer } from "@threadline/server/testing";
import { polls } from "../src/index.js";

export const aliceAddress = "alice@example.com";
export const bobAddress = "bob@example.com";
export const carolAddress = "carol@example.com";
export const daveAddress = "dave@example.com";

/**
 * A real server on port 0 with Alice, Bob, Carol and the outsider Dave, a client with
 * chats and polls for each, the group of Alice, Bob and Carol, and Alice's direct chat
 * with Bob.
 */
export async function startPollsFixture() {
  const server = await startTestServer();
  const accounts = {
    alice: await server.accounts.create([aliceAddress]),
    bob: await server.accounts.create([bobAddress]),
    carol: await server.accounts.create([carolAddress]),
    dave: await server.accounts.create([daveAddress]),
  };
  const connect = (token: string) =>
    createClient({ address: server.address, token, tls: false, resources: { chats, polls } });
  const clients = {
    alice: connect(accounts.alice.token),
    bob: connect(accounts.bob.token),
    carol: connect(accounts.carol.token),
    dave: connect(accounts.dave.token),
  };
  const { chat: group } = await clients.alice.chats.create([bobAddress, carolAddress], {
    message: "Hello, group",
  });
  const { chat: direct } = await clients.alice.chats.create([bobAddress], { message: "Hi" });
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
