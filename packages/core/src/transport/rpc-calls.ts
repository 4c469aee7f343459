import type { GrpcMethodDefinition } from "@threadline/protocol";
import type { LiveEventStream } from "../stream/live-event-stream.js";

/** Per-call options of {@link RpcCalls.unary}. */
export interface UnaryCallOptions {
  /** Deadline for the whole call including retries, in ms. Default: the client's `timeoutMs` (30000). */
  readonly timeoutMs?: number;
  /** Cancels the call (the promise rejects with a CancelledError). */
  readonly signal?: AbortSignal;
  /**
   * The call changes state. It then carries `x-idempotency-key` (the given key, or a
   * fresh UUID), the same key on every retry of this one logical call.
   */
  readonly mutating?: boolean;
  /** Idempotency key to send with a mutating call; implies nothing when `mutating` is false. */
  readonly idempotencyKey?: string;
  /** What the user called, e.g. `"events.getLogInfo()"`; errors name it instead of the RPC. */
  readonly operation?: string;
}

/** Per-call options of {@link RpcCalls.stream}. */
export interface StreamCallOptions {
  /** Closes the stream when aborted. */
  readonly signal?: AbortSignal;
  /** Called for every frame, heartbeats included (the stream is alive). */
  readonly onFrame?: () => void;
  /** What the user called, e.g. `'events.live("message")'`; errors name it instead of the RPC. */
  readonly operation?: string;
  /**
   * Events buffered unread above which the call is paused, so a slow reader holds the
   * server back through HTTP/2 flow control (a download of large chunks wants a few).
   * Default 4096.
   */
  readonly highWaterMark?: number;
  /**
   * The server sends heartbeat frames on this stream (a long-lived live stream). When
   * the reader waits twice the server's heartbeat interval (from GetServerInfo, 15 s
   * when it does not say) without any frame, the stream ends with a retryable
   * `ConnectionError` (code `STREAM_STALLED`) instead of waiting for TCP keepalive,
   * and new streams move to a fresh connection. Default false: a stream whose server
   * sends no heartbeats (a download, say) must not set it.
   */
  readonly heartbeats?: boolean;
}

/** The two kinds of call every layer above the transport makes. */
export interface RpcCalls {
  /**
   * One unary call on the unary channel: bearer auth, deadline, typed errors, retries of
   * retryable failures only (x-retryable: true, or UNAVAILABLE) with the SDK's one
   * backoff (equal jitter). `mutating: true` attaches `x-idempotency-key`
   * (options.idempotencyKey or a fresh UUID), reused across the retries of this one call.
   * Rejects with a ThreadlineError subclass.
   */
  unary<RequestDecoded, RequestProperties, ResponseDecoded, ResponseProperties>(
    method: GrpcMethodDefinition<
      RequestDecoded,
      RequestProperties,
      ResponseDecoded,
      ResponseProperties
    >,
    request: RequestProperties,
    options?: UnaryCallOptions,
  ): Promise<ResponseDecoded>;
  /**
   * A server-streaming call on the long-lived channel. `map` turns each decoded frame
   * into an event, or `undefined` to skip it (heartbeats). A throwing `map` ends the
   * stream with a ProtocolError. `ready` resolves on the response headers.
   */
  stream<RequestDecoded, RequestProperties, ResponseDecoded, ResponseProperties, Event>(
    method: GrpcMethodDefinition<
      RequestDecoded,
      RequestProperties,
      ResponseDecoded,
      ResponseProperties
    >,
    request: RequestProperties,
    map: (frame: ResponseDecoded) => Event | undefined,
    options?: StreamCallOptions,
  ): LiveEventStream<Event>;
}
