/**
 * Behaviour against servers other than @threadline/server: a minimal grpc-js server
 * that speaks the wire protocol and misbehaves in exactly one way per test (a server
 * that lists a capability but answers UNIMPLEMENTED, a server that sends a 64-bit
 * sequence above 2^53-1, a plain server whose log holds an event no live stream
 * carries). @threadline/server never does these, so it cannot stand in.
 */
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import {
  ChatServiceDefinition,
  EventServiceDefinition,
  GroupServiceDefinition,
  MessageServiceDefinition,
  PollServiceDefinition,
  photon,
  ServerInfoServiceDefinition,
} from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { createClient, ProtocolError } from "../src/index.js";

const v1 = photon.imessage.v1;

function varint(value: bigint): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80n) {
    bytes.push(Number((rest & 0x7fn) | 0x80n));
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return bytes;
}

async function startWireServer(frames: readonly Uint8Array[]) {
  const server = new Server();
  const catchUpCalls: string[] = [];
  const serverInfo: UntypedServiceImplementation = {
    getServerInfo: (_call: unknown, callback: (error: null, value: object) => void) => {
      callback(null, {
        serverName: "wire-test",
        capabilities: ["threadline.catch_up_batches"],
        heartbeatIntervalMs: 15_000,
      });
    },
  };
  const events: UntypedServiceImplementation = {
    catchUpEvents: (call: ServerWritableStream<unknown, Uint8Array>) => {
      catchUpCalls.push("CatchUpEvents");
      for (const frame of frames) call.write(frame);
      call.end();
    },
  };
  server.addService(ServerInfoServiceDefinition, serverInfo);
  server.addService(EventServiceDefinition, events);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    catchUpCalls,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

const markedRead = v1.CatchUpEventsResponse.encode({
  sequence: 1,
  chatChanged: {
    chatGuid: "any;+;g",
    occurredAt: { seconds: 1_700_000_000, nanos: 0 },
    markedRead: {},
  },
}).finish();
const complete = v1.CatchUpEventsResponse.encode({ complete: { headSequence: 1 } }).finish();

describe("servers other than @threadline/server", () => {
  it("falls back to CatchUpEvents when a listed batched capability answers UNIMPLEMENTED", async () => {
    const server = await startWireServer([markedRead, complete]);
    const im = createClient({ address: server.address, token: "t" });
    try {
      const events = [];
      for await (const event of im.events.catchUp()) events.push(event);
      expect(events).toMatchObject([
        { type: "chat.markedRead", sequence: 1, chatGuid: "any;+;g" },
        { type: "catchup.complete", headSequence: 1 },
      ]);
      expect(server.catchUpCalls).toEqual(["CatchUpEvents"]);
    } finally {
      await im.close();
      await server.close();
    }
  });

  it("a sequence above 2^53-1 on the wire ends the stream with a ProtocolError", async () => {
    const overflow = Uint8Array.from([0x08, ...varint(2n ** 53n + 1n)]);
    const server = await startWireServer([markedRead, overflow, complete]);
    const im = createClient({ address: server.address, token: "t", useExtensions: false });
    try {
      const seen: number[] = [];
      const failure = await (async () => {
        for await (const event of im.events.catchUp())
          if (event.type !== "catchup.complete") seen.push(event.sequence);
      })().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(seen).toEqual([1]);
      expect(failure).toBeInstanceOf(ProtocolError);
      expect(failure).toMatchObject({ retryable: false, code: "PROTOCOL_ERROR" });
    } finally {
      await im.close();
      await server.close();
    }
  });
});

describe("subscribe fallback against a plain server", () => {
  it("refills a hole left by an event no live stream carries, and delivers the unknown event", async () => {
    const server = new Server();
    const unknownPayload = Uint8Array.from([
      0x08,
      0x02,
      ...varint(BigInt((50 << 3) | 2)),
      0x01,
      0x00,
    ]);
    const messageThree = v1.CatchUpEventsResponse.encode({
      sequence: 3,
      messageChanged: {
        chatGuid: "any;-;bob@example.com",
        occurredAt: { seconds: 1_700_000_000, nanos: 0 },
        messageReceived: { message: { guid: "m3", content: { text: "three" } } },
      },
    }).finish();
    const liveThree = v1.SubscribeMessageEventsResponse.encode(
      v1.SubscribeMessageEventsResponse.decode(messageThree),
    ).finish();
    let catchUps = 0;
    let firstCatchUpDone: () => void = () => undefined;
    const firstCatchUp = new Promise<void>((resolve) => {
      firstCatchUpDone = resolve;
    });
    const openLive = new Set<ServerWritableStream<unknown, Uint8Array>>();
    const live = (name: string): UntypedServiceImplementation => ({
      [name]: (call: ServerWritableStream<unknown, Uint8Array>) => {
        openLive.add(call);
        call.on("cancelled", () => openLive.delete(call));
        call.sendMetadata(new Metadata());
        if (name === "subscribeMessageEvents") void firstCatchUp.then(() => call.write(liveThree));
      },
    });
    server.addService(EventServiceDefinition, {
      catchUpEvents: (
        call: ServerWritableStream<{ afterSequence?: number | null }, Uint8Array>,
      ) => {
        catchUps += 1;
        const after = call.request.afterSequence ?? 0;
        if (catchUps === 1) {
          // The log is 1..3 on the server; the first replay only reaches 1.
          if (after < 1) call.write(markedRead);
          call.write(complete);
          call.end();
          firstCatchUpDone();
          return;
        }
        if (after < 2) call.write(unknownPayload);
        if (after < 3) call.write(messageThree);
        call.write(v1.CatchUpEventsResponse.encode({ complete: { headSequence: 3 } }).finish());
        call.end();
      },
    });
    server.addService(MessageServiceDefinition, live("subscribeMessageEvents"));
    server.addService(ChatServiceDefinition, live("subscribeChatEvents"));
    server.addService(GroupServiceDefinition, live("subscribeGroupEvents"));
    server.addService(PollServiceDefinition, live("subscribePollEvents"));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
        error === null ? resolve(bound) : reject(error),
      ),
    );
    const reconnects: number[] = [];
    const im = createClient({ address: `127.0.0.1:${port}`, token: "t" });
    try {
      const stream = im.events.subscribe({
        reconnect: { onReconnect: (attempt) => reconnects.push(attempt) },
      });
      const seen: unknown[] = [];
      for await (const event of stream) {
        seen.push({ type: event.type, sequence: event.sequence, cursor: event.cursor });
        if (seen.length === 3) break;
      }
      expect(seen).toEqual([
        { type: "chat.markedRead", sequence: 1, cursor: "v1:1" },
        { type: "unknown", sequence: 2, cursor: "v1:2" },
        { type: "message.received", sequence: 3, cursor: "v1:3" },
      ]);
      // The refill is not a failed connection: no reconnect attempt was spent on it.
      expect(reconnects).toEqual([]);
      expect(catchUps).toBe(2);
    } finally {
      await im.close();
      for (const call of openLive) call.end();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    }
  });
});
