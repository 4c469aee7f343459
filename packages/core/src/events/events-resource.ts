import type { ReconnectOptions } from "../reconnect/backoff-policy.js";
import type { ResumableStatus } from "../resumable/resumable-connection.js";
import type { LiveEventStream } from "../stream/live-event-stream.js";
import type { TypedEventStream } from "../stream/typed-event-stream.js";
import type { CatchUpEvent, EventDomain, LiveEventMap, SubscribedEvent } from "./domain-events.js";

/** Narrows a live stream to one chat (or, for polls, one poll). */
export interface LiveFilter {
  /** Only this chat's events. Not accepted for the `poll` domain; use `poll`. */
  readonly chat?: string;
  /** Only this poll's events (the GUID of the message that carries it); `poll` domain only. */
  readonly poll?: string;
}

/** Options of {@link EventsResource.subscribe}. */
export interface SubscribeOptions {
  /** Resume after this cursor (from an event's `cursor` or `fetchMissed`); omit to start at the beginning of the retained log. */
  readonly cursor?: string;
  /** Reconnect policy; see {@link ReconnectOptions} for the defaults. */
  readonly reconnect?: ReconnectOptions;
  /**
   * Called with the subscription's state when it changes: at once on every status
   * change (connecting, catching up, live, reconnecting, stopped, failed) and at most
   * once a second while events flow. A throwing callback is ignored.
   */
  readonly onState?: (state: SubscriptionState) => void;
}

/** What {@link SubscribeOptions.onState} reports. */
export interface SubscriptionState {
  /** Where the subscription is. */
  readonly status: ResumableStatus;
  /** Sequence of the last event delivered into the stream (0 before the first). */
  readonly sequence: number;
  /** Highest sequence seen from the server. */
  readonly headSequence: number;
  /** `headSequence - sequence`: events known to exist and not yet delivered. */
  readonly lag: number;
  /** Events delivered into the stream and not yet read by the consumer (in flight). */
  readonly buffered: number;
  /** Events held behind a hole in sequence order. */
  readonly holding: number;
  /** Connections opened so far. */
  readonly connections: number;
  /** Reconnect attempts so far. */
  readonly reconnects: number;
  /** Events dropped as already delivered (hand-off overlap, reconnects). */
  readonly duplicatesDropped: number;
}

/** Options of {@link EventsResource.fetchMissed}. */
export interface FetchMissedOptions {
  /** Fetch events after this cursor; omit to start at the beginning of the retained log. */
  readonly cursor?: string;
  /** Most events to return: an integer from 1 to 1000; default 100. */
  readonly limit?: number;
}

/** One page of missed events. */
export interface FetchMissedResult {
  /** Events after the given cursor, in sequence order. */
  readonly events: readonly SubscribedEvent[];
  /** Cursor after the last event returned (the given cursor if there were none). */
  readonly cursor: string;
  /** More events exist after `cursor`. */
  readonly hasMore: boolean;
}

/** Head and retention window of the caller's event log. */
export interface LogInfo {
  /** Sequence of the newest event; 0 for an empty log. */
  readonly headSequence: number;
  /** Sequence of the oldest event still retained; 0 for an empty log. */
  readonly oldestRetainedSequence: number;
}

/** The durable event log: catch-up, live streams, resumable subscription, paging. */
export interface EventsResource {
  /**
   * Replays every retained event after `lastHandledSequence` (all of them when omitted),
   * then one `catchup.complete` with the head captured at the start.
   * Throws ValidationError before any network call unless `lastHandledSequence` is
   * undefined or a non-negative safe integer. Fails with SequenceNotRetainedError when
   * the server no longer holds the events right after it, with CursorAheadOfHeadError
   * when it is above the head of the log, and with a retryable ConnectionError
   * (`STREAM_STALLED`) when no frame arrives for twice the server's heartbeat interval.
   */
  catchUp(lastHandledSequence?: number): TypedEventStream<CatchUpEvent>;
  /**
   * The live stream of one domain, over every chat or one (`filter.chat`; `filter.poll`
   * for polls). `ready` resolves when the server has registered the subscription.
   * Never resumes by itself: a dead connection (no frame, heartbeats included, for
   * twice the server's heartbeat interval while you wait) ends it with a retryable
   * ConnectionError (`STREAM_STALLED`).
   */
  live<Domain extends EventDomain>(
    domain: Domain,
    filter?: LiveFilter,
  ): LiveEventStream<LiveEventMap[Domain]>;
  /**
   * One resumable stream of every durable event after `cursor`, each delivered once,
   * each with the `cursor` to persist. Reconnects by itself and fills the gap on every
   * connect; ends with the typed error on failures that cannot heal (authentication,
   * validation, events no longer retained, a cursor ahead of the head) or when
   * `maxAttempts` is exhausted. A dead connection is noticed within twice the server's
   * heartbeat interval.
   * Connects on the first read. Throws ValidationError at once for a malformed cursor
   * or reconnect option.
   */
  subscribe(options?: SubscribeOptions): TypedEventStream<SubscribedEvent>;
  /**
   * One page of events after `cursor`: `{ events, cursor, hasMore }`. `limit` is an
   * integer from 1 to 1000 (default 100).
   */
  fetchMissed(options: FetchMissedOptions): Promise<FetchMissedResult>;
  /** Head and oldest retained sequence of the caller's log. */
  getLogInfo(): Promise<LogInfo>;
}
