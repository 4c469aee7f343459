import { chats } from "@threadline/chats";
import { createClient } from "@threadline/core";
import { messages } from "@threadline/messages";
import { startTestServer } from "@threadline/server/testing";
import { attachments } from "../src/index.js";

export const aliceAddress = "alice@example.com";
export const bobAddress = "bob@example.com";
export const carolAddress = "carol@example.com";

/** A PNG signature followed by a repeatable pattern, `size` bytes in all. */
export function pngBytes(size: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index += 1) bytes[index] = (index * 31 + seed) & 0xff;
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  return bytes;
}

/**
 * A real server on port 0 with Alice, Bob and the outsider Carol, a client with chats,
 * messages and attachments for each, and Alice's direct chat with Bob.
 */
export async function startAttachmentsFixture() {
  const server = await startTestServer();
  const accounts = {
    alice: await server.accounts.create([aliceAddress]),
    bob: await server.accounts.create([bobAddress]),
    carol: await server.accounts.create([carolAddress]),
  };
  const connect = (token: string) =>
    createClient({
      address: server.address,
      token,
      tls: false,
      resources: { chats, messages, attachments },
    });
  const clients = {
    alice: connect(accounts.alice.token),
    bob: connect(accounts.bob.token),
    carol: connect(accounts.carol.token),
  };
  const { chat: direct } = await clients.alice.chats.create([bobAddress], { message: "Hi" });
  return {
    server,
    ...clients,
    direct: direct.guid,
    async [Symbol.asyncDispose]() {
      await Promise.allSettled(Object.values(clients).map((client) => client.close()));
      await server[Symbol.asyncDispose]();
    },
  };
}
