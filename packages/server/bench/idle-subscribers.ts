import { credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import { MessageServiceDefinition } from "@threadline/protocol";
import type { BenchServer } from "./bench-support.js";

/**
 * Opens `count` idle SubscribeMessageEvents streams (spread over a few channels),
 * waits until the server has sent headers for every one, and returns the server's RSS
 * before and after, then closes them.
 */
export async function measureIdleSubscribers(
  server: BenchServer,
  token: string,
  count: number,
): Promise<{ baselineBytes: number; withSubscribersBytes: number }> {
  const definition = { subscribe: MessageServiceDefinition.subscribeMessageEvents };
  const Client = makeGenericClientConstructor(definition, "Bench");
  const channels = Array.from(
    { length: 10 },
    (_, index) =>
      new Client(server.address, credentials.createInsecure(), { "bench.channel": index }),
  );
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const baselineBytes = server.rss();
  const streams: { cancel(): void; on(event: string, listener: () => void): void }[] = [];
  await Promise.all(
    Array.from({ length: count }, (_, index) => {
      const client = channels[index % channels.length];
      if (client === undefined) throw new Error("no channel");
      const invoke: unknown = Reflect.get(client, "subscribe");
      if (typeof invoke !== "function") throw new Error("no subscribe method");
      const stream = Reflect.apply(invoke, client, [{}, metadata]);
      streams.push(stream);
      stream.on("error", () => undefined);
      return new Promise<void>((resolve) => stream.once("metadata", () => resolve()));
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  const withSubscribersBytes = server.rss();
  for (const stream of streams) stream.cancel();
  for (const channel of channels) channel.close();
  return { baselineBytes, withSubscribersBytes };
}
