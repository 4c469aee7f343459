import { chats } from "@threadline/chats";
import { createClient } from "@threadline/core";
import { startTestServer } from "@threadline/server/testing";
import { addresses } from "../src/index.js";

export const aliceEmail = "alice@example.com";
/** Alice's second address: a UK mobile number. */
export const alicePhone = "+447400123456";
export const bobAddress = "bob@example.com";
export const carolAddress = "+14155550100";
/** An address with no account that Alice and Bob have in a group. */
export const outsiderAddress = "+12025550123";

/**
 * A real server on port 0 with Alice (an email and a phone number), Bob and Carol, a
 * client with chats and addresses for each, and a group of Alice, Bob and the outsider
 * who has no account.
 */
export async function startAddressesFixture() {
  const server = await startTestServer();
  const accounts = {
    alice: await server.accounts.create([aliceEmail, alicePhone]),
    bob: await server.accounts.create([bobAddress]),
    carol: await server.accounts.create([carolAddress]),
  };
  const connect = (token: string) =>
    createClient({ address: server.address, token, tls: false, resources: { chats, addresses } });
  const clients = {
    alice: connect(accounts.alice.token),
    bob: connect(accounts.bob.token),
    carol: connect(accounts.carol.token),
  };
  await clients.alice.chats.create([bobAddress, outsiderAddress], { message: "Hello" });
  return {
    server,
    ...clients,
    async [Symbol.asyncDispose]() {
      await Promise.allSettled(Object.values(clients).map((client) => client.close()));
      await server[Symbol.asyncDispose]();
    },
  };
}
