import { credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import { MessageServiceDefinition, type photon } from "@threadline/protocol";
import { seedChatMessages } from "../src/testing/seed-chat-messages.js";
import { type BenchServer, createBenchAccount, openBenchStore } from "./bench-support.js";

/** The chat the benchmark lists, as the reader names it. */
export const listedChatGuid = "any;-;writer@example.com";

/**
 * A fresh database with a reader and a writer account and `messages` text messages in
 * their direct chat, stored straight into the message tables. Returns the reader's token.
 */
export async function prepareListChat(path: string, messages: number): Promise<string> {
  const store = openBenchStore(path);
  try {
    const reader = await createBenchAccount(store, "reader@example.com");
    const writer = await createBenchAccount(store, "writer@example.com");
    await seedChatMessages(store, {
      sender: { accountId: writer.id, address: "writer@example.com" },
      recipient: "reader@example.com",
      count: messages,
    });
    return reader.token;
  } finally {
    await store.close();
  }
}

/** What one list variant does: which RPC, how many per page, and whether it pages to the end. */
export interface ListVariant {
  readonly label: string;
  readonly method: "listChatMessages" | "listRecentMessages";
  readonly pageSize: number;
  /** Page to the end of the chat; otherwise request the newest page `pages` times. */
  readonly traverse: boolean;
}

type ListResponse = photon.imessage.v1.ListChatMessagesResponse;

/**
 * Runs one variant against a server in its own process and returns pages per second
 * and messages per second. Responses are decoded, as a client would; the next page
 * waits for the previous one (one call in flight). A traversal checks that it saw
 * every message exactly once, so a fast but wrong listing fails the benchmark.
 */
export async function measureListPaging(
  server: BenchServer,
  token: string,
  variant: ListVariant,
  totalMessages: number,
  headPages: number,
): Promise<{ pagesPerSecond: number; messagesPerSecond: number }> {
  const definition = {
    listChatMessages: MessageServiceDefinition.listChatMessages,
    listRecentMessages: MessageServiceDefinition.listRecentMessages,
  };
  const Client = makeGenericClientConstructor(definition, "BenchMessages");
  const client = new Client(server.address, credentials.createInsecure(), {
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
  });
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  const call = (request: object): Promise<ListResponse> =>
    new Promise((resolve, reject) => {
      const invoke: unknown = Reflect.get(client, variant.method);
      if (typeof invoke !== "function") throw new Error(`no ${variant.method} method`);
      Reflect.apply(invoke, client, [
        request,
        metadata,
        (error: Error | null, response: ListResponse) =>
          error ? reject(error) : resolve(response),
      ]);
    });
  const base =
    variant.method === "listChatMessages"
      ? { chatGuid: listedChatGuid, pageSize: variant.pageSize }
      : { pageSize: variant.pageSize };
  try {
    let pages = 0;
    let messages = 0;
    const seen = new Set<string>();
    const started = performance.now();
    if (variant.traverse) {
      let token: string | undefined;
      do {
        const response = await call(token === undefined ? base : { ...base, pageToken: token });
        pages += 1;
        messages += response.messages.length;
        for (const message of response.messages) seen.add(message.guid);
        token = response.nextPageToken ?? undefined;
      } while (token !== undefined);
    } else {
      for (let page = 0; page < headPages; page += 1) {
        messages += (await call(base)).messages.length;
        pages += 1;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    if (variant.traverse && (messages !== totalMessages || seen.size !== totalMessages)) {
      throw new Error(
        `${variant.label}: paged through ${messages} messages (${seen.size} distinct), expected ${totalMessages}`,
      );
    }
    return { pagesPerSecond: pages / seconds, messagesPerSecond: messages / seconds };
  } finally {
    client.close();
  }
}

/**
 * The peer of a list page: the same newest `count` messages fetched one GetMessage call
 * each, `inFlight` at a time, repeated `rounds` times. Returns messages per second, to
 * set beside a list's messages per second.
 */
export async function measureGetMessages(
  server: BenchServer,
  token: string,
  count: number,
  inFlight: number,
  rounds: number,
): Promise<number> {
  const definition = {
    listChatMessages: MessageServiceDefinition.listChatMessages,
    getMessage: MessageServiceDefinition.getMessage,
  };
  const Client = makeGenericClientConstructor(definition, "BenchMessages");
  const client = new Client(server.address, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  const call = <Response>(name: string, request: object): Promise<Response> =>
    new Promise((resolve, reject) => {
      const invoke: unknown = Reflect.get(client, name);
      if (typeof invoke !== "function") throw new Error(`no ${name} method`);
      Reflect.apply(invoke, client, [
        request,
        metadata,
        (error: Error | null, response: Response) => (error ? reject(error) : resolve(response)),
      ]);
    });
  try {
    const page = await call<ListResponse>("listChatMessages", {
      chatGuid: listedChatGuid,
      pageSize: count,
    });
    const guids = page.messages.map((message) => message.guid);
    const started = performance.now();
    for (let round = 0; round < rounds; round += 1) {
      let next = 0;
      const worker = async () => {
        while (next < guids.length) {
          const guid = guids[next];
          next += 1;
          const response = await call<photon.imessage.v1.GetMessageResponse>("getMessage", {
            messageGuid: guid,
          });
          if (response.message?.guid !== guid)
            throw new Error(`GetMessage returned another message`);
        }
      };
      await Promise.all(Array.from({ length: inFlight }, worker));
    }
    return (guids.length * rounds) / ((performance.now() - started) / 1000);
  } finally {
    client.close();
  }
}
