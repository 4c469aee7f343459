import { type Client, credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import {
  ChatServiceDefinition,
  EventLogServiceDefinition,
  MessageServiceDefinition,
} from "@threadline/protocol";
import type { BenchServer } from "./bench-support.js";

function call<Response>(
  client: Client,
  method: string,
  request: unknown,
  metadata: Metadata,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const invoke: unknown = Reflect.get(client, method);
    if (typeof invoke !== "function") throw new Error(`no method ${method}`);
    Reflect.apply(invoke, client, [
      request,
      metadata,
      (error: Error | null, response: Response) => (error ? reject(error) : resolve(response)),
    ]);
  });
}

/**
 * End to end: `concurrency` SendTextMessage calls in flight at all times from this
 * process against a server process, for `messages` messages. Each message is logged
 * for the sender and the recipient (both have accounts), so events = 2 x messages.
 * Returns acknowledged (durable) events per second.
 */
export async function measureRpcWrites(
  server: BenchServer,
  senderToken: string,
  recipient: string,
  concurrency: number,
  messages: number,
): Promise<number> {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${senderToken}`);
  const Chats = makeGenericClientConstructor(ChatServiceDefinition, "Chats");
  const Messages = makeGenericClientConstructor(MessageServiceDefinition, "Messages");
  const Log = makeGenericClientConstructor(EventLogServiceDefinition, "Log");
  const chats = new Chats(server.address, credentials.createInsecure());
  const log = new Log(server.address, credentials.createInsecure());
  const senders = Array.from(
    { length: 4 },
    (_, index) =>
      new Messages(server.address, credentials.createInsecure(), { "bench.channel": index }),
  );
  try {
    const created = await call<{ chat: { guid: string } }>(
      chats,
      "createChat",
      { addresses: [recipient] },
      metadata,
    );
    const chatGuid = created.chat.guid;
    const before = await call<{ headSequence: number }>(log, "getLogInfo", {}, metadata);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        const client = senders[worker % senders.length];
        if (client === undefined) throw new Error("no channel");
        while (next < messages) {
          const index = next++;
          await call(client, "sendTextMessage", { chatGuid, text: `bench ${index}` }, metadata);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const after = await call<{ headSequence: number }>(log, "getLogInfo", {}, metadata);
    const senderEvents = after.headSequence - before.headSequence;
    if (senderEvents !== messages)
      throw new Error(`expected ${messages} sender events, found ${senderEvents}`);
    return (2 * messages) / seconds;
  } finally {
    chats.close();
    log.close();
    for (const sender of senders) sender.close();
  }
}
