import type { FlowControlledCall } from "./wait-for-drain.js";

/**
 * Writes serialized response messages to one server stream, several per HTTP/2 write
 * when it can.
 *
 * grpc-js frames and writes every `call.write` separately: a Writable round trip, a
 * copy behind a 5-byte header, one HTTP/2 DATA frame and one write callback per
 * message, which costs a live stream of small events far more than encoding them.
 * When the call's HTTP/2 stream is reachable (grpc-js keeps it on the call it wraps),
 * the writer puts the 5-byte gRPC message headers in itself and hands the stream all
 * waiting messages as one buffer. The client sees the same sequence of gRPC messages.
 * Everything else stays with grpc-js: headers, trailers, status, cancellation. When
 * the stream is not reachable (another grpc-js layout) every message goes through
 * `call.write`, as before.
 */
export interface FrameWriter {
  /**
   * Writes `frames` (serialized messages, without gRPC headers) in order. Returns
   * false when the transport is full: wait for {@link FrameWriter.onceDrained} before
   * writing more.
   */
  write(frames: readonly Uint8Array[]): boolean;
  /** Calls `listener` once, when the transport can take more. */
  onceDrained(listener: () => void): void;
  /** Removes a listener given to {@link FrameWriter.onceDrained}. */
  cancelDrained(listener: () => void): void;
  /** True when messages are coalesced into HTTP/2 writes (false: one `call.write` each). */
  readonly coalesces: boolean;
}

/** The part of Node's HTTP/2 stream the writer uses. */
interface Http2Writable {
  write(chunk: Uint8Array): boolean;
  once(event: "drain", listener: () => void): unknown;
  off(event: "drain", listener: () => void): unknown;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  respond: unknown;
}

/** The grpc-js call under `ServerWritableStreamImpl.call` that owns the HTTP/2 stream. */
interface InnerCall {
  readonly metadataSent: boolean;
  readonly stream: Http2Writable;
}

function innerCallOf(call: FlowControlledCall): InnerCall | undefined {
  const inner: unknown = Reflect.get(call, "call");
  if (typeof inner !== "object" || inner === null) return undefined;
  const stream: unknown = Reflect.get(inner, "stream");
  if (
    typeof Reflect.get(inner, "metadataSent") !== "boolean" ||
    typeof Reflect.get(inner, "sendMessage") !== "function" ||
    typeof stream !== "object" ||
    stream === null ||
    typeof Reflect.get(stream, "write") !== "function" ||
    typeof Reflect.get(stream, "respond") !== "function" ||
    typeof Reflect.get(stream, "once") !== "function"
  ) {
    return undefined;
  }
  // The checks above are what the writer relies on.
  return inner as InnerCall;
}

/** The messages as gRPC length-prefixed messages, in one buffer. */
export function lengthPrefixed(frames: readonly Uint8Array[]): Buffer {
  let size = 0;
  for (const frame of frames) size += 5 + frame.byteLength;
  const chunk = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const frame of frames) {
    chunk[offset] = 0; // not compressed
    chunk.writeUInt32BE(frame.byteLength, offset + 1);
    chunk.set(frame, offset + 5);
    offset += 5 + frame.byteLength;
  }
  return chunk;
}

/**
 * Creates the {@link FrameWriter} of one server-streaming call; `coalesce: false`
 * writes every frame with `call.write`.
 */
export function createFrameWriter(
  call: FlowControlledCall,
  options: { readonly coalesce: boolean } = { coalesce: true },
): FrameWriter {
  return new CallFrameWriter(call, options.coalesce ? innerCallOf(call) : undefined);
}

// A class, so that thousands of idle streams share its methods instead of each holding
// its own closures.
class CallFrameWriter implements FrameWriter {
  private drainedVia: "call" | "stream" = "call";

  constructor(
    private readonly call: FlowControlledCall,
    private readonly inner: InnerCall | undefined,
  ) {}

  get coalesces(): boolean {
    return this.inner !== undefined;
  }

  // Direct writes must not overtake messages grpc-js still holds (a backlog or marker
  // frame written with call.write) and need the response headers out first.
  private direct(): Http2Writable | undefined {
    const { inner, call } = this;
    if (inner === undefined || !inner.metadataSent || call.writableLength > 0) return undefined;
    const stream = inner.stream;
    if (stream.destroyed || stream.writableEnded) return undefined;
    return stream;
  }

  write(frames: readonly Uint8Array[]): boolean {
    const stream = this.direct();
    if (stream !== undefined) {
      this.drainedVia = "stream";
      return stream.write(lengthPrefixed(frames));
    }
    this.drainedVia = "call";
    let more = true;
    for (const frame of frames) more = this.call.write(frame);
    return more;
  }

  onceDrained(listener: () => void): void {
    if (this.drainedVia === "stream" && this.inner !== undefined) {
      this.inner.stream.once("drain", listener);
    } else {
      this.call.once("drain", listener);
    }
  }

  cancelDrained(listener: () => void): void {
    this.inner?.stream.off("drain", listener);
    this.call.off("drain", listener);
  }
}
