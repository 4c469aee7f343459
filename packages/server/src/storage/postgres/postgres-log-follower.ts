import pg from "pg";
import type { Logger } from "pino";
import { kindFromCode, type LoggedEvent } from "../../log/logged-event.js";
import { decodeLogWakeUp, logWakeUpChannel } from "./log-wake-up.js";
import type { PgQueryable } from "./pg-queryable.js";
import type { ListenedLog } from "./postgres-log-feeds.js";

/** Options of {@link startLogFollower}. */
export interface LogFollowerOptions {
  /** How the listener connection connects (its own connection, outside the pools). */
  readonly listenerConfig: pg.ClientConfig;
  /** Reads of committed rows and heads. */
  readonly sql: PgQueryable;
  /** Receives every account's committed events in sequence order, each exactly once. */
  readonly publish: (events: readonly LoggedEvent[]) => void;
  /**
   * Whether anyone in this process reads `accountId`'s live events. Other processes'
   * events of an account nobody follows are not read at all (the cursor just moves on);
   * this process's own events are published either way. Default: every account.
   */
  readonly isFollowed?: ((accountId: number) => boolean) | undefined;
  /**
   * The accounts whose heads the backstop poll checks. Default: every head in the
   * database. From a lost listener until a catch-up read while listening again, every
   * head is read anyway (wake-ups of any account may have been lost).
   */
  readonly followedAccounts?: (() => Iterable<number>) | undefined;
  /** Interval of the backstop poll. Default 1000 ms. */
  readonly pollIntervalMs?: number | undefined;
  readonly logger: Logger;
  /** Called when the listener connection is lost (false) and listening again (true). */
  readonly onListening?: (listening: boolean) => void;
  /**
   * Other kinds of logs (the WhatsApp number logs) followed through the same listener
   * connection: LISTENed on with it, started after it, caught up by its backstop poll
   * and after it reconnects, waited for by idle and close.
   */
  readonly otherLogs?: readonly ListenedLog[];
}

/**
 * Follows every account's log for one process: its own commits (handed in with
 * {@link LogFollower.committed}) and other processes' commits (woken by LISTEN, read
 * from the rows), merged per account so that `publish` sees each event once, in
 * sequence order, never with a gap.
 */
export interface LogFollower {
  /** This process committed `events` (sequence order per account). */
  committed(events: readonly LoggedEvent[]): void;
  /** Reads every followed head now and publishes what is missing (after a reconnect). */
  catchUp(): Promise<void>;
  /**
   * @internal resolves once no account has committed events still unpublished, or
   * after a few rounds of reads when some keep failing (the database is down).
   */
  idle(): Promise<void>;
  /** Stops listening and polling. */
  close(): Promise<void>;
}

/** One account's position: what was published and what is known to be committed. */
interface AccountFeed {
  /** The highest sequence handed to `publish`. */
  published: number;
  /** The highest sequence known committed. */
  target: number;
  /** This process's committed events not yet published, by sequence. */
  readonly own: Map<number, LoggedEvent>;
  /** Whether a read of the rows is running for this account. */
  reading: boolean;
}

/** Rows read per query while filling a gap. */
const readPageSize = 500;
const reconnectDelaysMs = [100, 250, 500, 1000, 2000, 5000] as const;

const readRows = `
  SELECT sequence, kind, chat_guid, poll_guid, payload FROM event_log
  WHERE account_id = $1 AND sequence > $2 AND sequence <= $3
  ORDER BY sequence LIMIT $4`;

/**
 * Starts following: LISTEN first, then every head in the database is read as the
 * starting point (so nothing committed before the start is published, and nothing
 * committed after it is missed), then the backstop poll starts. Rejects when the
 * database cannot be reached.
 */
export async function startLogFollower(options: LogFollowerOptions): Promise<LogFollower> {
  const feeds = new Map<number, AccountFeed>();
  const isFollowed = options.isFollowed ?? (() => true);
  const logger = options.logger;
  let closed = false;
  let listener: pg.Client | undefined;
  let reconnectAttempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  const readsRunning = new Set<Promise<void>>();
  const otherLogs = options.otherLogs ?? [];
  // Wake-ups that arrive between LISTEN and the starting heads wait for them: a feed
  // made from a wake-up before then would start at 0 (publishing events from before the
  // start) and the starting heads would then move it back (publishing some twice).
  let started = false;
  const earlyWakeUps = new Map<number, number>();
  // While notifications may have been lost (the listener is down, or back but not yet
  // caught up), every head is read, not only the followed ones: an account nobody here
  // follows (perhaps one this process never saw) must still have its position moved to
  // its head, as its wake-ups would have done. Otherwise its first subscriber would be
  // handed everything committed meanwhile, long before it registered.
  let everyHeadDue = false;
  let listenerLosses = 0;
  // Reconnects' catch-ups in flight (idle waits for them).
  const catchUpsRunning = new Set<Promise<void>>();

  function feedOf(accountId: number): AccountFeed {
    let feed = feeds.get(accountId);
    if (feed === undefined) {
      // An account the start did not see: its head row is newer than the start, so
      // every one of its events is newer too.
      feed = { published: 0, target: 0, own: new Map(), reading: false };
      feeds.set(accountId, feed);
    }
    return feed;
  }

  /**
   * Publishes what can be published without reading: this process's own events that
   * continue the published prefix, and (for an account nobody here follows) skips what
   * other processes committed. Appends to `out`; true when a gap remains to be read.
   */
  function drain(accountId: number, feed: AccountFeed, out: LoggedEvent[]): boolean {
    for (;;) {
      const next = feed.own.get(feed.published + 1);
      if (next !== undefined) {
        feed.own.delete(next.sequence);
        feed.published = next.sequence;
        out.push(next);
        continue;
      }
      if (feed.published >= feed.target) return false;
      if (feed.own.size > 0 || isFollowed(accountId)) {
        if (!isFollowed(accountId)) {
          // Nobody here reads the other processes' events before our next own one.
          const firstOwn = Math.min(...feed.own.keys());
          feed.published = firstOwn - 1;
          continue;
        }
        return true;
      }
      feed.published = feed.target;
      return false;
    }
  }

  function emit(events: LoggedEvent[]): void {
    if (events.length === 0) return;
    try {
      options.publish(events);
    } catch (error) {
      logger.error({ err: error }, "publishing committed events failed");
    }
  }

  /** Drains one account, then reads its gap from the rows if one remains. */
  function advance(accountId: number): void {
    const feed = feedOf(accountId);
    if (feed.reading) return;
    const out: LoggedEvent[] = [];
    const gap = drain(accountId, feed, out);
    emit(out);
    if (gap && !closed) {
      feed.reading = true;
      const read = readGap(accountId, feed).then((complete) => {
        feed.reading = false;
        readsRunning.delete(read);
        // Own commits that arrived while the read ran wait for this (a failed read is
        // tried again by the backstop poll, not at once).
        if (complete && feed.published < feed.target) advance(accountId);
      });
      readsRunning.add(read);
    }
  }

  /** Reads and publishes one account's gap; false when a read failed. */
  async function readGap(accountId: number, feed: AccountFeed): Promise<boolean> {
    try {
      while (!closed && feed.published < feed.target) {
        const out: LoggedEvent[] = [];
        if (!drain(accountId, feed, out)) {
          emit(out);
          return true;
        }
        emit(out);
        // Up to just below this process's next own event: that one is already in memory.
        const ownAbove = [...feed.own.keys()].filter((sequence) => sequence > feed.published);
        const upTo = ownAbove.length > 0 ? Math.min(...ownAbove) - 1 : feed.target;
        const { rows } = await options.sql.query<{
          sequence: string | number;
          kind: number;
          chat_guid: string;
          poll_guid: string | null;
          payload: Buffer;
        }>(readRows, [accountId, feed.published, upTo, readPageSize]);
        const events: LoggedEvent[] = [];
        for (const row of rows) {
          const sequence = Number(row.sequence);
          if (sequence <= feed.published) continue;
          events.push({
            accountId,
            sequence,
            kind: kindFromCode(row.kind),
            chatGuid: row.chat_guid,
            pollGuid: row.poll_guid,
            payload: row.payload,
          });
          feed.published = sequence;
        }
        // Rows retention already deleted cannot be published; move past them.
        if (rows.length < readPageSize && feed.published < upTo) feed.published = upTo;
        for (const sequence of [...feed.own.keys()]) {
          if (sequence <= feed.published) feed.own.delete(sequence);
        }
        emit(events);
      }
      return true;
    } catch (error) {
      // The backstop poll tries again.
      logger.warn({ err: error, accountId }, "reading committed events for live streams failed");
      return false;
    }
  }

  function raise(accountId: number, headSequence: number): void {
    const feed = feedOf(accountId);
    if (headSequence > feed.target) feed.target = headSequence;
    if (feed.published < feed.target) advance(accountId);
  }

  async function readHeads(everyHead: boolean): Promise<void> {
    const accounts =
      everyHead || options.followedAccounts === undefined
        ? undefined
        : [...options.followedAccounts()];
    if (accounts !== undefined && accounts.length === 0) return;
    const { rows } = await options.sql.query<{
      account_id: string | number;
      head_sequence: string | number;
    }>(
      accounts === undefined
        ? "SELECT account_id, head_sequence FROM log_heads"
        : "SELECT account_id, head_sequence FROM log_heads WHERE account_id = ANY($1::bigint[])",
      accounts === undefined ? [] : [accounts],
    );
    for (const row of rows) raise(Number(row.account_id), Number(row.head_sequence));
  }

  function scheduleReconnect(): void {
    if (closed || reconnectTimer !== undefined) return;
    const delay =
      reconnectDelaysMs[Math.min(reconnectAttempt, reconnectDelaysMs.length - 1)] ?? 5000;
    reconnectAttempt += 1;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void listen().then(
        async () => {
          reconnectAttempt = 0;
          options.onListening?.(true);
          // Notifications sent while the listener was away are lost: catch up by heads.
          await reconnectCatchUp().catch((error: unknown) => {
            logger.warn({ err: error }, "catch-up after the listener reconnected failed");
          });
        },
        () => scheduleReconnect(),
      );
    }, delay);
    reconnectTimer.unref();
  }

  async function listen(): Promise<void> {
    const client = new pg.Client(options.listenerConfig);
    let lost = false;
    const onLost = (error?: unknown) => {
      if (lost) return;
      lost = true;
      if (listener === client) listener = undefined;
      client.removeAllListeners("notification");
      void client.end().catch(() => undefined);
      if (closed) return;
      listenerLosses += 1;
      everyHeadDue = true;
      logger.warn({ err: error }, "the PostgreSQL listener connection was lost; reconnecting");
      options.onListening?.(false);
      scheduleReconnect();
    };
    client.on("error", onLost);
    client.on("end", () => onLost());
    client.on("notification", (message) => {
      const other = otherLogs.find((log) => log.channel === message.channel);
      if (other !== undefined) {
        other.wake(message.payload);
        return;
      }
      if (message.channel !== logWakeUpChannel) return;
      const wakeUp = decodeLogWakeUp(message.payload);
      if (wakeUp === undefined) {
        logger.warn({ payload: message.payload }, "ignored a malformed log wake-up");
        return;
      }
      if (!started) {
        const known = earlyWakeUps.get(wakeUp.accountId) ?? 0;
        earlyWakeUps.set(wakeUp.accountId, Math.max(known, wakeUp.headSequence));
        return;
      }
      raise(wakeUp.accountId, wakeUp.headSequence);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${logWakeUpChannel}`);
      for (const other of otherLogs) await client.query(`LISTEN ${other.channel}`);
    } catch (error) {
      lost = true;
      client.removeAllListeners();
      client.on("error", () => undefined);
      await client.end().catch(() => undefined);
      throw error;
    }
    if (closed) {
      lost = true;
      await client.end().catch(() => undefined);
      return;
    }
    listener = client;
  }

  /** The catch-up of a reconnect, which idle() waits for. */
  async function reconnectCatchUp(): Promise<void> {
    const running = catchUp();
    catchUpsRunning.add(running);
    try {
      await running;
    } finally {
      catchUpsRunning.delete(running);
    }
  }

  async function catchUp(): Promise<void> {
    const everyHead = everyHeadDue;
    // Only a read that starts while listening covers the lost wake-ups: whatever
    // commits after its snapshot wakes the listener.
    const listening = listener !== undefined;
    const losses = listenerLosses;
    await Promise.all([readHeads(everyHead), ...otherLogs.map((log) => log.catchUp(everyHead))]);
    if (everyHead && listening && losses === listenerLosses) everyHeadDue = false;
  }

  await listen();
  // The starting point: every head as it is now. Anything committed later either wakes
  // the listener (already listening) or shows up in the next poll.
  const { rows } = await options.sql.query<{
    account_id: string | number;
    head_sequence: string | number;
  }>("SELECT account_id, head_sequence FROM log_heads");
  for (const row of rows) {
    const head = Number(row.head_sequence);
    feeds.set(Number(row.account_id), {
      published: head,
      target: head,
      own: new Map(),
      reading: false,
    });
  }
  started = true;
  for (const [accountId, headSequence] of earlyWakeUps) raise(accountId, headSequence);
  earlyWakeUps.clear();

  for (const other of otherLogs) await other.start();

  const pollTimer = setInterval(() => {
    catchUp().catch((error: unknown) => {
      logger.debug({ err: error }, "the backstop poll of the log heads failed");
    });
  }, options.pollIntervalMs ?? 1000);
  pollTimer.unref();

  return {
    committed(events) {
      const accounts = new Set<number>();
      for (const event of events) {
        const feed = feedOf(event.accountId);
        if (event.sequence <= feed.published) continue;
        feed.own.set(event.sequence, event);
        if (event.sequence > feed.target) feed.target = event.sequence;
        accounts.add(event.accountId);
      }
      // One publish call for everything that needs no read, as the SQLite store does.
      const out: LoggedEvent[] = [];
      const gaps: number[] = [];
      for (const accountId of accounts) {
        const feed = feedOf(accountId);
        if (feed.reading) continue;
        if (drain(accountId, feed, out)) gaps.push(accountId);
      }
      emit(out);
      for (const accountId of gaps) advance(accountId);
    },
    catchUp,
    async idle() {
      // A catch-up after a reconnect first: what it finds is part of what is known.
      await Promise.all([...catchUpsRunning].map((running) => running.catch(() => undefined)));
      await Promise.all(otherLogs.map((log) => log.idle()));
      // A few rounds at most: while the database is down every read fails, and waiting
      // for the feeds to catch up would never end (close() waits here).
      for (let round = 0; round < 3; round += 1) {
        await Promise.all([...readsRunning]);
        const behind = [...feeds.entries()].filter(([, feed]) => feed.published < feed.target);
        if (behind.length === 0) return;
        for (const [accountId] of behind) advance(accountId);
        if (readsRunning.size === 0) return;
      }
      await Promise.all([...readsRunning]);
    },
    async close() {
      closed = true;
      clearInterval(pollTimer);
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
      const client = listener;
      listener = undefined;
      if (client !== undefined) {
        client.removeAllListeners("notification");
        await client.end().catch(() => undefined);
      }
      await Promise.all([...readsRunning]);
      await Promise.all(otherLogs.map((log) => log.close()));
    },
  };
}
