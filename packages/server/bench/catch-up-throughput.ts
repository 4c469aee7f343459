import { credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import { EventLogServiceDefinition, EventServiceDefinition } from "@threadline/protocol";
import { runWrite } from "../src/domain/write-operations.js";
import { benchEvent, createBenchAccount, openBenchStore } from "./bench-support.js";

/** Fills a fresh log with `events` events for one account; returns its token. */
export async function prepareCatchUpLog(path: string, events: number): Promise<string> {
  const store = openBenchStore(path);
  try {
    const account = await createBenchAccount(store, "reader@example.com");
    for (let start = 0; start < events; start += 5000) {
      await runWrite(store, "log.appendEvents", {
        events: Array.from({ length: Math.min(events, start + 5000) - start }, (_, offset) => ({
          accountId: account.id,
          event: benchEvent(start + offset),
        })),
      });
    }
    return account.token;
  } finally {
    await store.close();
  }
}

type Mode = "batched" | "single";

/**
 * Reads the whole log once over the wire and returns events per second. The client
 * keeps frames as bytes (no decoding) so the figure is the server's read + send rate.
 * `flowControlWindowBytes` raises the client's HTTP/2 receive window above the
 * 64 KiB default, which otherwise lets the server send little more than one batch
 * per round trip.
 */
export function measureCatchUp(
  address: string,
  token: string,
  mode: Mode,
  events: number,
  flowControlWindowBytes?: number,
): Promise<number> {
  const method =
    mode === "batched"
      ? EventLogServiceDefinition.catchUpEventBatches
      : EventServiceDefinition.catchUpEvents;
  const definition = { read: { ...method, responseDeserialize: (bytes: Buffer) => bytes } };
  const Client = makeGenericClientConstructor(definition, "Bench");
  const client = new Client(address, credentials.createInsecure(), {
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
    ...(flowControlWindowBytes === undefined
      ? {}
      : { "grpc-node.flow_control_window": flowControlWindowBytes }),
  });
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  const request = mode === "batched" ? { maxBatchSize: 256 } : {};
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const invoke: unknown = Reflect.get(client, "read");
    if (typeof invoke !== "function") throw new Error("no read method");
    const stream: NodeJS.EventEmitter = Reflect.apply(invoke, client, [request, metadata]);
    let frames = 0;
    stream.on("data", () => {
      frames += 1;
    });
    stream.on("error", (error: Error) => {
      client.close();
      reject(error);
    });
    stream.on("end", () => {
      const seconds = (performance.now() - started) / 1000;
      client.close();
      // Single mode: one frame per event plus `complete`.
      if (mode === "single" && frames !== events + 1) {
        reject(new Error(`expected ${events + 1} frames, received ${frames}`));
        return;
      }
      resolve(events / seconds);
    });
  });
}
