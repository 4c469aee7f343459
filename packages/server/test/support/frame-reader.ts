import type { ClientReadableStream, Metadata, ServiceError } from "@grpc/grpc-js";

/** Pull-style access to a client stream: frames in order, headers, and how it ended. */
export interface FrameReader<Frame> {
  /** Resolves with the response headers (the server's "subscription registered"). */
  readonly headers: Promise<Metadata>;
  /** The next frame; rejects with the status error when the stream failed instead. */
  next(): Promise<Frame>;
  /** Resolves with the status error when the stream fails, or undefined when it ends OK. */
  readonly ended: Promise<ServiceError | undefined>;
  /** Frames received and not yet taken. */
  readonly pending: number;
  cancel(): void;
}

/** Wraps a grpc-js client stream in a {@link FrameReader}. */
export function readFrames<Frame>(stream: ClientReadableStream<Frame>): FrameReader<Frame> {
  const frames: Frame[] = [];
  const waiters: { resolve: (frame: Frame) => void; reject: (error: unknown) => void }[] = [];
  let failure: unknown;
  let done = false;
  const headers = new Promise<Metadata>((resolve) => stream.once("metadata", resolve));
  const ended = new Promise<ServiceError | undefined>((resolve) => {
    stream.on("error", (error: ServiceError) => {
      failure = error;
      done = true;
      for (const waiter of waiters.splice(0)) waiter.reject(error);
      resolve(error);
    });
    stream.on("end", () => {
      done = true;
      for (const waiter of waiters.splice(0)) waiter.reject(new Error("stream ended"));
      resolve(undefined);
    });
  });
  stream.on("data", (frame: Frame) => {
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(frame);
    else frames.push(frame);
  });
  return {
    headers,
    ended,
    get pending() {
      return frames.length;
    },
    next() {
      const frame = frames.shift();
      if (frame !== undefined) return Promise.resolve(frame);
      if (done) return Promise.reject(failure ?? new Error("stream ended"));
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    cancel() {
      stream.cancel();
    },
  };
}
