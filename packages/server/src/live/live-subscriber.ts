import type { SubscriberBufferLimits } from "../config.js";
import { ServerError } from "../errors/server-error.js";
import { encodeBatchFrame, encodeSubscribeFrame, heartbeatFrame } from "../log/frame-encoding.js";
import type { LoggedEvent } from "../storage/repositories/event-log-repository.js";
import { createFrameWriter } from "./frame-writer.js";
import { joinHeartbeats } from "./heartbeat-wheel.js";
import { shareFrames, shareRunFrames } from "./shared-frames.js";
import type { FlowControlledCall } from "./wait-for-drain.js";

/** How a subscriber frames the events it sends. */
export type LiveFrameMode =
  /** One `Subscribe*EventsResponse` per event. */
  | { readonly type: "single" }
  /** `SubscribeEventsResponse.batch`, up to `maxBatchSize` queued events per frame. */
  | { readonly type: "batch"; readonly maxBatchSize: number };

/**
 * What a live subscriber buffers: one committed event of one log (an iMessage account's,
 * a WhatsApp number's), with the bytes its frame is built from.
 */
export interface LiveEvent {
  /** The log the event belongs to (an account id, or a WhatsApp number's id). */
  readonly accountId: number;
  readonly sequence: number;
  /** The encoded event; its length counts against the subscriber's byte limit. */
  readonly payload: Uint8Array;
}

/**
 * Builds the next frame from `buffer[start]` onwards and says how many events it took
 * (at least 1). How a log's events are framed is the only thing that differs between logs.
 */
export type LiveFrameEncoder<Event extends LiveEvent> = (
  buffer: readonly Event[],
  start: number,
) => { readonly frame: Uint8Array; readonly taken: number };

/** Options of {@link createLiveSubscriber}. */
export interface LiveSubscriberOptions {
  readonly accountId: number;
  readonly call: FlowControlledCall;
  /**
   * Which of the account's events this subscriber wants (domain and filters); unset
   * takes every event, which lets batch frames be shared with the account's other
   * unfiltered streams.
   */
  readonly accepts?: (event: LoggedEvent) => boolean;
  readonly frames: LiveFrameMode;
  readonly limits: SubscriberBufferLimits;
  readonly heartbeatIntervalMs: number;
  /** False to buffer without sending until {@link LiveSubscriber.start} (backlog replay first). */
  readonly startImmediately: boolean;
  /** Called once when the subscriber ends, whatever the reason. */
  readonly onEnd: (subscriber: LiveSubscriber) => void;
  /** Turns the error a subscriber is ended with into what the call's transport emits. */
  readonly wireError: (error: ServerError) => unknown;
}

/** Options of {@link createFramedLiveSubscriber}: any log's events, framed by `encode`. */
export interface FramedLiveSubscriberOptions<Event extends LiveEvent>
  extends Omit<LiveSubscriberOptions, "accepts" | "frames" | "onEnd"> {
  readonly accepts: (event: Event) => boolean;
  readonly encode: LiveFrameEncoder<Event>;
  readonly onEnd: (subscriber: LiveSubscriber<Event>) => void;
  /** How a cut-off client resumes, for the SUBSCRIBER_TOO_SLOW message. */
  readonly resumeHint?: string;
  /**
   * True to coalesce the waiting frames into one transport write (see
   * {@link createFrameWriter}) instead of one `call.write` each. Default false.
   *
   * One `call.write` per frame moves at most grpc-js's 16 pending messages per
   * event-loop turn, so a burst can fill the buffer of a client that reads perfectly
   * well and cut it. Coalesced writes send everything waiting (up to 64 KiB) at once;
   * only a client whose connection really stops taking data falls behind. (A grpc-js
   * client that merely pauses its stream still drains the socket into its own queue.)
   */
  readonly coalesceWrites?: boolean;
}

/** One live stream's bounded outgoing buffer, with heartbeats and flow control. */
export interface LiveSubscriber<Event extends LiveEvent = LoggedEvent> {
  readonly accountId: number;
  /** Queues the account's newly committed events (those it accepts); sends what flow control allows. */
  offer(events: readonly Event[]): void;
  /**
   * Starts sending: drops buffered events with `sequence <= skipUpTo` (already sent
   * as backlog), and any offered later, writes `firstFrame` if given, then the rest of
   * the buffer.
   */
  start(skipUpTo: number, firstFrame?: Uint8Array): void;
  /** Ends the stream: OK without an error, else the error's status and trailers. */
  end(error?: ServerError): void;
  /** Stops and frees the subscriber without touching the call (its owner ends the call). */
  detach(): void;
  /** Resolves when the subscriber has ended for any reason. */
  readonly ended: Promise<void>;
  /** Events waiting to be sent (for tests and metrics). */
  readonly bufferedEvents: number;
  /** True once it was cut off for falling behind (SUBSCRIBER_TOO_SLOW); for metrics. */
  readonly cutTooSlow?: boolean;
}

/**
 * Creates a subscriber for one live call. Memory stays bounded: when the events
 * waiting to be sent exceed `limits` (count or bytes), the buffer is dropped and the
 * call ends with RESOURCE_EXHAUSTED / SUBSCRIBER_TOO_SLOW (retryable: catch up and
 * subscribe again).
 */
export function createLiveSubscriber(options: LiveSubscriberOptions): LiveSubscriber {
  const mode = options.frames;
  const { accepts } = options;
  const encode: LiveFrameEncoder<LoggedEvent> =
    mode.type === "single"
      ? (buffer, start) => {
          const event = buffer[start];
          if (event === undefined) throw new RangeError("no event to frame");
          return { frame: sharedSubscribeFrame(event), taken: 1 };
        }
      : (buffer, start) => {
          const end = Math.min(buffer.length, start + mode.maxBatchSize);
          const frame =
            accepts === undefined
              ? sharedBatchFrame(buffer, start, end)
              : encodeBatchFrame(buffer.slice(start, end));
          return { frame, taken: end - start };
        };
  return createFramedLiveSubscriber({
    ...options,
    accepts: accepts ?? (() => true),
    encode,
    coalesceWrites: true,
  });
}

/** Single-event frames, encoded once per event for all of an account's streams. */
const sharedSubscribeFrame = shareFrames<LoggedEvent>(encodeSubscribeFrame);

/** Batch frames of unfiltered streams, encoded once per run of events. */
const sharedBatchFrame = shareRunFrames<LoggedEvent>(encodeBatchFrame);

/** Most bytes of frames handed to the transport in one write. */
const maxWriteBytes = 64 * 1024;

/**
 * {@link createLiveSubscriber} for any log: the same bounded buffer, heartbeats, flow
 * control and slow-subscriber cut, with frames built by `options.encode`.
 */
export function createFramedLiveSubscriber<Event extends LiveEvent>(
  options: FramedLiveSubscriberOptions<Event>,
): LiveSubscriber<Event> {
  const { call, limits } = options;
  let buffer: Event[] = [];
  let bufferStart = 0;
  let bufferedBytes = 0;
  let started = options.startImmediately;
  let waitingForDrain = false;
  let finished = false;
  let markEnded: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => {
    markEnded = resolve;
  });

  const writer = createFrameWriter(call, { coalesce: options.coalesceWrites ?? false });
  const leaveHeartbeats = joinHeartbeats(options.heartbeatIntervalMs, () => {
    if (started && !waitingForDrain && !finished && bufferStart === buffer.length) {
      send([heartbeatFrame]);
    }
  });

  function cleanUp(): void {
    if (finished) return;
    finished = true;
    leaveHeartbeats();
    writer.cancelDrained(onDrained);
    buffer = [];
    bufferStart = 0;
    bufferedBytes = 0;
    call.off("cancelled", onGone);
    call.off("close", onGone);
    options.onEnd(subscriber);
    markEnded();
  }

  function onGone(): void {
    cleanUp();
  }
  call.on("cancelled", onGone);
  call.on("close", onGone);

  function onDrained(): void {
    waitingForDrain = false;
    pump();
  }

  /** Writes frames in order, as few transport writes as the writer can make of them. */
  function send(frames: readonly Uint8Array[]): void {
    if (call.cancelled || call.writableEnded || call.destroyed) {
      cleanUp();
      return;
    }
    if (!writer.write(frames)) {
      waitingForDrain = true;
      writer.onceDrained(onDrained);
    }
  }

  function takeNext(): Uint8Array | undefined {
    if (bufferStart >= buffer.length) return undefined;
    const { frame, taken } = options.encode(buffer, bufferStart);
    const end = Math.min(buffer.length, bufferStart + Math.max(1, taken));
    for (let index = bufferStart; index < end; index += 1) {
      const event = buffer[index];
      if (event !== undefined) bufferedBytes -= event.payload.byteLength;
    }
    bufferStart = end;
    return frame;
  }

  function pump(): void {
    while (started && !waitingForDrain && !finished) {
      // Everything waiting (up to maxWriteBytes) goes out in one transport write.
      const frames: Uint8Array[] = [];
      let bytes = 0;
      while (bytes < maxWriteBytes) {
        const frame = takeNext();
        if (frame === undefined) break;
        frames.push(frame);
        bytes += frame.byteLength;
      }
      if (frames.length === 0) break;
      send(frames);
    }
    if (bufferStart >= buffer.length) {
      buffer = [];
      bufferStart = 0;
    } else if (bufferStart > 1024 && bufferStart * 2 > buffer.length) {
      buffer = buffer.slice(bufferStart);
      bufferStart = 0;
    }
  }

  function tooSlow(): ServerError {
    return new ServerError(
      "SUBSCRIBER_TOO_SLOW",
      `the subscriber fell behind: more than ${limits.maxEvents} events or ${limits.maxBytes} bytes were waiting to be sent; ${options.resumeHint ?? "catch up from the last handled sequence and subscribe again"}`,
      { retryable: true },
    );
  }

  let cutTooSlow = false;
  // Set by start: events at or below it were sent from the log already. A commit can be
  // visible to the log reader before its events are published (SQLite commits on its
  // writer thread), so such events may still be offered after start, and are dropped.
  let skipThrough = 0;
  const subscriber: LiveSubscriber<Event> = {
    accountId: options.accountId,
    get cutTooSlow() {
      return cutTooSlow;
    },
    get ended() {
      return ended;
    },
    get bufferedEvents() {
      return buffer.length - bufferStart;
    },
    offer(events) {
      if (finished) return;
      for (const event of events) {
        if (event.sequence <= skipThrough || !options.accepts(event)) continue;
        const waiting = buffer.length - bufferStart;
        if (
          waiting + 1 > limits.maxEvents ||
          bufferedBytes + event.payload.byteLength > limits.maxBytes
        ) {
          cutTooSlow = true;
          subscriber.end(tooSlow());
          return;
        }
        buffer.push(event);
        bufferedBytes += event.payload.byteLength;
      }
      pump();
    },
    start(skipUpTo, firstFrame) {
      if (finished || started) return;
      skipThrough = skipUpTo;
      while (bufferStart < buffer.length) {
        const event = buffer[bufferStart];
        if (event === undefined || event.sequence > skipUpTo) break;
        bufferedBytes -= event.payload.byteLength;
        bufferStart += 1;
      }
      started = true;
      if (firstFrame !== undefined) send([firstFrame]);
      pump();
    },
    detach() {
      cleanUp();
    },
    end(error) {
      if (finished) return;
      const open = !call.cancelled && !call.writableEnded && !call.destroyed;
      cleanUp();
      if (!open) return;
      if (error === undefined) call.end();
      else call.emit("error", options.wireError(error));
    },
  };
  return subscriber;
}
