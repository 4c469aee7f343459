import {
  credentials,
  Metadata,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type ServerWritableStream,
} from "@grpc/grpc-js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFrameWriter, lengthPrefixed } from "../src/live/frame-writer.js";

const identity = (value: Buffer) => value;
const definition = {
  stream: {
    path: "/test.Frames/Stream",
    requestStream: false,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
} as const;

/** What the handler of the next call does with its call. */
let handle: (call: ServerWritableStream<Buffer, Buffer>) => void = () => undefined;
let server: Server;
let address: string;

beforeAll(async () => {
  server = new Server();
  server.addService(definition, {
    stream: (call: ServerWritableStream<Buffer, Buffer>) => handle(call),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  address = `127.0.0.1:${port}`;
});
afterAll(() => {
  server.forceShutdown();
});

/** Opens a stream, runs `serve` on the server side and resolves with every message the client got. */
async function receive(serve: (call: ServerWritableStream<Buffer, Buffer>) => void) {
  handle = serve;
  const Client = makeGenericClientConstructor(definition, "Frames");
  const client = new Client(address, credentials.createInsecure());
  try {
    const invoke: unknown = Reflect.get(client, "stream");
    if (typeof invoke !== "function") throw new Error("no stream method");
    const stream = Reflect.apply(invoke, client, [Buffer.alloc(0)]);
    return await new Promise<string[]>((resolve, reject) => {
      const messages: string[] = [];
      stream.on("data", (message: Buffer) => messages.push(message.toString()));
      stream.on("error", reject);
      stream.on("end", () => resolve(messages));
    });
  } finally {
    client.close();
  }
}

const frames = (texts: readonly string[]) => texts.map((text) => Buffer.from(text));

describe("createFrameWriter", () => {
  it("puts several messages in one transport write with the grpc-js this server runs on", async () => {
    let coalesces: boolean | undefined;
    const received = await receive((call) => {
      call.sendMetadata(new Metadata());
      const writer = createFrameWriter(call);
      coalesces = writer.coalesces;
      writer.write(frames(["one", "two", ""]));
      writer.write(frames(["three"]));
      call.end();
    });
    // If a grpc-js upgrade moves the HTTP/2 stream, this fails instead of silently
    // falling back to one write per frame.
    expect(coalesces).toBe(true);
    expect(received).toEqual(["one", "two", "", "three"]);
  });

  it("keeps the order of messages grpc-js still holds and later coalesced ones", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            via: fc.constantFrom("call" as const, "writer" as const),
            texts: fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 5 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        fc.boolean(),
        async (writes, coalesce) => {
          const received = await receive((call) => {
            call.sendMetadata(new Metadata());
            const writer = createFrameWriter(call, { coalesce });
            for (const { via, texts } of writes) {
              if (via === "call") for (const frame of frames(texts)) call.write(frame);
              else writer.write(frames(texts));
            }
            call.end();
          });
          expect(received).toEqual(writes.flatMap(({ texts }) => texts));
        },
      ),
      { numRuns: 25 },
    );
  });

  it("writes through call.write until the response headers are out", async () => {
    const received = await receive((call) => {
      const writer = createFrameWriter(call);
      writer.write(frames(["before headers"]));
      writer.write(frames(["after", "them"]));
      call.end();
    });
    expect(received).toEqual(["before headers", "after", "them"]);
  });

  it("frames each message as a gRPC length-prefixed message", () => {
    const chunk = lengthPrefixed([Buffer.from("ab"), Buffer.alloc(0), Buffer.alloc(300, 7)]);
    expect([...chunk.subarray(0, 7)]).toEqual([0, 0, 0, 0, 2, 0x61, 0x62]);
    expect([...chunk.subarray(7, 12)]).toEqual([0, 0, 0, 0, 0]);
    expect([...chunk.subarray(12, 17)]).toEqual([0, 0, 0, 1, 44]);
    expect(chunk.byteLength).toBe(17 + 300);
  });
});
