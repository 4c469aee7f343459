import type { Logger } from "pino";
import { decodeLogWakeUp } from "./log-wake-up.js";
import type { PgQueryable } from "./pg-queryable.js";

/** What the feeds need of an event: the log it belongs to and its place in it. */
export interface LogFeedEvent {
  /** The log's id (an account id, a WhatsApp number's id, …). */
  readonly accountId: number;
  readonly sequence: number;
}

/** One log's committed head. */
export interface LogHead {
  readonly id: number;
  readonly headSequence: number;
}

/**
 * Where one kind of per-id log keeps its heads and rows, and the NOTIFY channel its
 * appends wake listeners on (payload "id:head", see log-wake-up.ts, sent inside the
 * append transaction so that it arrives at COMMIT).
 */
export interface LogFeedSource<Event extends LogFeedEvent> {
  readonly channel: string;
  /** The committed heads: of every log (`ids` undefined) or of `ids`. */
  readHeads(sql: PgQueryable, ids: readonly number[] | undefined): Promise<LogHead[]>;
  /** Up to `limit` committed events of log `id` with after < sequence <= upTo, in order. */
  readEvents(
    sql: PgQueryable,
    id: number,
    after: number,
    upTo: number,
    limit: number,
  ): Promise<Event[]>;
}

/**
 * What a process's one listener connection drives, whatever the kind of log: the
 * feeds of one {@link LogFeedSource}. The listener LISTENs on `channel`, hands each
 * notification to `wake`, and calls `catchUp` from its backstop poll and after it
 * reconnects.
 */
export interface ListenedLog {
  readonly channel: string;
  /** Reads every head as the starting point. Call once, after LISTEN has started. */
  start(): Promise<void>;
  /** A notification arrived on `channel`. */
  wake(payload: string | undefined): void;
  /**
   * Reads the followed heads (every head when `everyHead`: wake-ups may have been lost,
   * and a log nobody follows must still move to its head) and publishes what is missing
   * (poll, reconnect).
   */
  catchUp(everyHead?: boolean): Promise<void>;
  /** @internal resolves once nothing known committed is unpublished (or reads keep failing). */
  idle(): Promise<void>;
  /** Stops reading; waits for the reads in flight. */
  close(): Promise<void>;
}

/** The feeds of one kind of log: {@link ListenedLog} plus this process's own commits. */
export interface LogFeeds<Event extends LogFeedEvent> extends ListenedLog {
  /** This process committed `events` (sequence order per log). */
  committed(events: readonly Event[]): void;
}

/** Options of {@link createLogFeeds}. */
export interface LogFeedsOptions<Event extends LogFeedEvent> {
  readonly source: LogFeedSource<Event>;
  /** Reads of committed rows and heads. */
  readonly sql: PgQueryable;
  /** Receives every log's committed events in sequence order, each exactly once, no gap. */
  readonly publish: (events: readonly Event[]) => void;
  /**
   * Whether anyone in this process reads log `id` live. Other processes' events of a
   * log nobody follows are never read (the position just moves on); this process's own
   * are published either way. Default: every log.
   */
  readonly isFollowed?: ((id: number) => boolean) | undefined;
  /** The logs whose heads `catchUp` reads. Default: every head. */
  readonly followedIds?: (() => Iterable<number>) | undefined;
  readonly logger: Logger;
}

/** One log's position: what was published and what is known to be committed. */
interface Feed<Event> {
  /** The highest sequence handed to `publish`. */
  published: number;
  /** The highest sequence known committed. */
  target: number;
  /** This process's committed events not yet published, by sequence. */
  readonly own: Map<number, Event>;
  /** Whether a read of the rows is running for this log. */
  reading: boolean;
}

/** Rows read per query while filling a gap. */
const readPageSize = 500;

/**
 * Feeds every log of one kind to `publish`, merging this process's own commits (handed
 * in with `committed`, published without a read) with other processes' (known from
 * wake-ups and head reads, read from the rows): per log, events go out in sequence
 * order, each once, never with a gap. Sequences are contiguous and committed in order
 * under the log's head lock, so a head known committed means every row up to it is
 * visible to the next statement.
 */
export function createLogFeeds<Event extends LogFeedEvent>(
  options: LogFeedsOptions<Event>,
): LogFeeds<Event> {
  const { source, sql, logger } = options;
  const isFollowed = options.isFollowed ?? (() => true);
  const feeds = new Map<number, Feed<Event>>();
  const readsRunning = new Set<Promise<void>>();
  // Wake-ups that arrive between LISTEN and the starting heads are applied after them,
  // so that the start (not an empty feed) is where a log's reading begins.
  let started = false;
  const earlyWakeUps = new Map<number, number>();
  let closed = false;

  function feedOf(id: number): Feed<Event> {
    let feed = feeds.get(id);
    if (feed === undefined) {
      // A log the start did not see: its head row is newer than the start, so every
      // one of its events is newer too.
      feed = { published: 0, target: 0, own: new Map(), reading: false };
      feeds.set(id, feed);
    }
    return feed;
  }

  /**
   * Moves `feed` on as far as it can without reading: publishes own events that
   * continue the published prefix and, for a log nobody here follows, skips other
   * processes' events. Appends to `out`; true when a gap remains that must be read.
   */
  function drain(id: number, feed: Feed<Event>, out: Event[]): boolean {
    for (;;) {
      const next = feed.own.get(feed.published + 1);
      if (next !== undefined) {
        feed.own.delete(next.sequence);
        feed.published = next.sequence;
        out.push(next);
        continue;
      }
      if (feed.published >= feed.target) return false;
      if (isFollowed(id)) return true;
      if (feed.own.size === 0) {
        feed.published = feed.target;
        return false;
      }
      // Nobody here reads the other processes' events before our next own one.
      feed.published = Math.min(...feed.own.keys()) - 1;
    }
  }

  function emit(events: readonly Event[]): void {
    if (events.length === 0) return;
    try {
      options.publish(events);
    } catch (error) {
      logger.error({ err: error, channel: source.channel }, "publishing committed events failed");
    }
  }

  /** Drains one log, then reads its gap from the rows if one remains. */
  function advance(id: number): void {
    const feed = feedOf(id);
    if (feed.reading) return;
    const out: Event[] = [];
    const gap = drain(id, feed, out);
    emit(out);
    if (!gap || closed) return;
    feed.reading = true;
    const read = readGap(id, feed).then((complete) => {
      feed.reading = false;
      readsRunning.delete(read);
      // Own commits that arrived during the read wait for it; a failed read is tried
      // again by the next catch-up, not at once.
      if (complete && feed.published < feed.target) advance(id);
    });
    readsRunning.add(read);
  }

  /** Reads and publishes one log's gap; false when a read failed. */
  async function readGap(id: number, feed: Feed<Event>): Promise<boolean> {
    try {
      while (!closed && feed.published < feed.target) {
        const out: Event[] = [];
        const gap = drain(id, feed, out);
        emit(out);
        if (!gap) return true;
        // Up to just below this process's next own event: that one is in memory.
        let upTo = feed.target;
        for (const sequence of feed.own.keys()) {
          if (sequence > feed.published && sequence - 1 < upTo) upTo = sequence - 1;
        }
        const rows = await source.readEvents(sql, id, feed.published, upTo, readPageSize);
        const events: Event[] = [];
        for (const event of rows) {
          if (event.sequence <= feed.published) continue;
          events.push(event);
          feed.published = event.sequence;
        }
        // Rows deleted meanwhile (retention, a removed log) cannot be published; move on.
        if (rows.length < readPageSize && feed.published < upTo) feed.published = upTo;
        for (const sequence of [...feed.own.keys()]) {
          if (sequence <= feed.published) feed.own.delete(sequence);
        }
        emit(events);
      }
      return true;
    } catch (error) {
      logger.warn(
        { err: error, channel: source.channel, id },
        "reading committed events for live streams failed",
      );
      return false;
    }
  }

  function raise(id: number, headSequence: number): void {
    const feed = feedOf(id);
    if (headSequence > feed.target) feed.target = headSequence;
    if (feed.published < feed.target) advance(id);
  }

  return {
    channel: source.channel,
    async start() {
      for (const head of await source.readHeads(sql, undefined)) {
        feeds.set(head.id, {
          published: head.headSequence,
          target: head.headSequence,
          own: new Map(),
          reading: false,
        });
      }
      started = true;
      for (const [id, headSequence] of earlyWakeUps) raise(id, headSequence);
      earlyWakeUps.clear();
    },
    wake(payload) {
      const wakeUp = decodeLogWakeUp(payload);
      if (wakeUp === undefined) {
        logger.warn({ channel: source.channel, payload }, "ignored a malformed log wake-up");
        return;
      }
      if (!started) {
        const known = earlyWakeUps.get(wakeUp.accountId) ?? 0;
        earlyWakeUps.set(wakeUp.accountId, Math.max(known, wakeUp.headSequence));
        return;
      }
      raise(wakeUp.accountId, wakeUp.headSequence);
    },
    committed(events) {
      const touched = new Set<number>();
      for (const event of events) {
        const feed = feedOf(event.accountId);
        if (event.sequence <= feed.published) continue;
        feed.own.set(event.sequence, event);
        if (event.sequence > feed.target) feed.target = event.sequence;
        touched.add(event.accountId);
      }
      // One publish call for everything that needs no read.
      const out: Event[] = [];
      const gaps: number[] = [];
      for (const id of touched) {
        const feed = feedOf(id);
        if (feed.reading) continue;
        if (drain(id, feed, out)) gaps.push(id);
      }
      emit(out);
      for (const id of gaps) advance(id);
    },
    async catchUp(everyHead = false) {
      if (!started) return;
      const ids =
        everyHead || options.followedIds === undefined ? undefined : [...options.followedIds()];
      if (ids !== undefined && ids.length === 0) return;
      for (const head of await source.readHeads(sql, ids)) raise(head.id, head.headSequence);
    },
    async idle() {
      // A few rounds at most: while the database is down every read fails.
      for (let round = 0; round < 3; round += 1) {
        await Promise.all([...readsRunning]);
        let behind = false;
        for (const [id, feed] of feeds) {
          if (feed.published < feed.target) {
            behind = true;
            advance(id);
          }
        }
        if (!behind || readsRunning.size === 0) return;
      }
      await Promise.all([...readsRunning]);
    },
    async close() {
      closed = true;
      await Promise.all([...readsRunning]);
    },
  };
}
