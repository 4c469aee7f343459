import { credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import { MessageServiceDefinition } from "@threadline/protocol";
import type { BenchServer } from "./bench-support.js";

/**
 * Opens `count` idle SubscribeMessageEvents streams (spread over a few channels, and
 * round-robin over the accounts of `tokens`, since the server limits the live streams
 * of one account), waits until the server has sent headers for every one, and returns
 * the server's RSS before and after, then closes them. A refused stream fails the
 * measurement with the server's error.
 */
export async function measureIdleSubscribers(
  server: BenchServer,
  tokens: readonly string[],
  count: number,
): Promise<{ baselineBytes: number; withSubscribersBytes: number }> {
  const definition = { subscribe: MessageServiceDefinition.subscribeMessageEvents };
  const Client = makeGenericClientConstructor(definition, "Bench");
  const channels = Array.from(
    { length: 10 },
    (_, index) =>
      new Client(server.address, credentials.createInsecure(), { "bench.channel": index }),
  );
  const metadata = tokens.map((token) => {
    const perAccount = new Metadata();
    perAccount.set("authorization", `Bearer ${token}`);
    return perAccount;
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const baselineBytes = server.rss();
  const streams: { cancel(): void; on(event: string, listener: () => void): void }[] = [];
  try {
    await Promise.all(
      Array.from({ length: count }, (_, index) => {
        const client = channels[index % channels.length];
        if (client === undefined) throw new Error("no channel");
        const invoke: unknown = Reflect.get(client, "subscribe");
        if (typeof invoke !== "function") throw new Error("no subscribe method");
        const stream = Reflect.apply(invoke, client, [{}, metadata[index % metadata.length]]);
        streams.push(stream);
        return new Promise<void>((resolve, reject) => {
          stream.once("metadata", () => resolve());
          stream.on("error", (error: Error) =>
            reject(new Error(`idle subscriber ${index} was refused: ${error.message}`)),
          );
        });
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const withSubscribersBytes = server.rss();
    return { baselineBytes, withSubscribersBytes };
  } finally {
    for (const stream of streams) stream.cancel();
    for (const channel of channels) channel.close();
  }
}
