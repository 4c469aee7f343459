import { type AdvancedIMessage, createGrpcClient } from "@photon-ai/advanced-imessage/grpc";
import { chats } from "@threadline/chats";
import { createClient, type ThreadlineClient } from "@threadline/core";
import { startTestServer, type TestServer } from "@threadline/server/testing";

/** One account, seen through both clients. */
export interface Person {
  readonly address: string;
  readonly token: string;
  /** The published `@photon-ai/advanced-imessage` gRPC client. */
  readonly photon: AdvancedIMessage;
  /** `@threadline/core` with `@threadline/chats`. */
  readonly threadline: ThreadlineClient<{ chats: typeof chats }>;
}

/** A real server on port 0 and three people, each with both clients. */
export interface InteropFixture {
  readonly server: TestServer;
  readonly alice: Person;
  readonly bob: Person;
  readonly carol: Person;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The published client against our server: plaintext on loopback, bearer token. */
export function connectPhoton(address: string, token: string): AdvancedIMessage {
  return createGrpcClient({ address, token, tls: false, autoIdempotency: true });
}

async function person(server: TestServer, address: string): Promise<Person> {
  const { token } = await server.accounts.create([address]);
  return {
    address,
    token,
    photon: connectPhoton(server.address, token),
    threadline: createClient({ address: server.address, token, resources: { chats } }),
  };
}

/** Starts the fixture; dispose it with `await using`. The server's teardown fails on leaked calls. */
export async function startInteropFixture(): Promise<InteropFixture> {
  const server = await startTestServer({ heartbeatIntervalMs: 200 });
  const people = [
    await person(server, "alice@example.com"),
    await person(server, "bob@example.com"),
    await person(server, "carol@example.com"),
  ] as const;
  const [alice, bob, carol] = people;
  return {
    server,
    alice,
    bob,
    carol,
    async [Symbol.asyncDispose]() {
      for (const someone of people) {
        await someone.photon[Symbol.asyncDispose]();
        await someone.threadline.close();
      }
      await server.close();
    },
  };
}
