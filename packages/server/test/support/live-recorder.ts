import type { ClientReadableStream, ServiceError } from "@grpc/grpc-js";
import type { photon, threadline } from "@threadline/protocol";

type SubscribeFrame = threadline.v1.SubscribeEventsResponse;
type MessageFrame = photon.imessage.v1.SubscribeMessageEventsResponse;

/** One received event: its log sequence and the chat it belongs to. */
export interface ReceivedEvent {
  readonly sequence: number;
  readonly chatGuid: string;
}

/** Records every event a live stream delivers, in the order it arrives. */
export interface LiveRecorder {
  readonly events: ReceivedEvent[];
  /** Resolves when the response headers arrive (the subscription is registered). */
  readonly headers: Promise<void>;
  /** Resolves with the status error, or undefined when the stream ends OK. */
  readonly ended: Promise<ServiceError | undefined>;
  /** Resolves once an event with `sequence` or higher arrived; rejects when the stream ends first. */
  reach(sequence: number): Promise<void>;
  cancel(): void;
}

/**
 * Records a `threadline.v1` SubscribeEvents stream (batch frames) or a
 * SubscribeMessageEvents stream (one event per frame).
 */
export function recordLive(
  stream: ClientReadableStream<unknown>,
  kind: "batched" | "single",
): LiveRecorder {
  const events: ReceivedEvent[] = [];
  const waiters: { sequence: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  let finished: Error | undefined;
  const headers = new Promise<void>((resolve) => stream.once("metadata", () => resolve()));
  const settle = () => {
    const last = events.at(-1)?.sequence ?? 0;
    for (const waiter of [...waiters]) {
      if (last >= waiter.sequence) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      } else if (finished !== undefined) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.reject(finished);
      }
    }
  };
  const ended = new Promise<ServiceError | undefined>((resolve) => {
    stream.on("error", (error: ServiceError) => {
      finished = new Error(`${kind} stream ended with ${error.code}: ${error.details}`);
      settle();
      resolve(error);
    });
    stream.on("end", () => {
      finished = new Error("stream ended");
      settle();
      resolve(undefined);
    });
  });
  // The raw client decodes with the method's response type, which `kind` names.
  stream.on("data", (frame: SubscribeFrame | MessageFrame) => {
    if (kind === "batched") {
      for (const event of (frame as SubscribeFrame).batch?.events ?? []) {
        events.push({
          sequence: Number(event.sequence),
          chatGuid: event.messageChanged?.chatGuid ?? "",
        });
      }
    } else {
      const single = frame as MessageFrame;
      if (single.messageChanged !== null && single.messageChanged !== undefined) {
        events.push({
          sequence: Number(single.sequence),
          chatGuid: single.messageChanged.chatGuid ?? "",
        });
      }
    }
    settle();
  });
  return {
    events,
    headers,
    ended,
    reach(sequence) {
      return new Promise((resolve, reject) => {
        waiters.push({ sequence, resolve, reject });
        settle();
      });
    },
    cancel() {
      stream.cancel();
    },
  };
}
