import { ChatServiceDefinition, MessageServiceDefinition, photon } from "@threadline/protocol";
import {
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from "@threadline/server/testing";
import { type ClientOptions, createClient, type ThreadlineClient } from "../src/index.js";

/** A running test server with two accounts, Alice and Bob, each with a token. */
export interface Fixture {
  readonly server: TestServer;
  readonly alice: { readonly token: string; readonly address: string };
  readonly bob: { readonly token: string; readonly address: string };
  /** A client for Alice; closed by the fixture's teardown. */
  client(options?: Partial<ClientOptions>): ThreadlineClient;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a real server on port 0 with a temporary SQLite file and two accounts. */
export async function startFixture(options: TestServerOptions = {}): Promise<Fixture> {
  const server = await startTestServer(options);
  const alice = await server.accounts.create(["alice@example.com"]);
  const bob = await server.accounts.create(["bob@example.com"]);
  const clients: ThreadlineClient[] = [];
  return {
    server,
    alice: { token: alice.token, address: "alice@example.com" },
    bob: { token: bob.token, address: "bob@example.com" },
    client(overrides = {}) {
      const client = createClient({ address: server.address, token: alice.token, ...overrides });
      clients.push(client);
      return client;
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(clients.map((client) => client.close()));
      await server.close();
    },
  };
}

/**
 * Writes real events through the server's RPCs: Alice opens a chat with Bob with a first
 * message, then sends `count - 1` more. Each write appends one event to Alice's log.
 * Returns the chat GUID as Alice sees it.
 */
export async function writeMessages(client: ThreadlineClient, count: number): Promise<string> {
  const created = await client.context.unary(
    ChatServiceDefinition.createChat,
    {
      addresses: ["bob@example.com"],
      service: photon.imessage.v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE,
      initialMessage: { text: "message 1" },
    },
    { mutating: true },
  );
  const chatGuid = created.chat?.guid;
  if (typeof chatGuid !== "string") throw new Error("CreateChat returned no chat GUID");
  for (let index = 2; index <= count; index++) {
    await client.context.unary(
      MessageServiceDefinition.sendTextMessage,
      { chatGuid, text: `message ${index}` },
      { mutating: true },
    );
  }
  return chatGuid;
}

/** Collects a stream into an array. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of stream) values.push(value);
  return values;
}
