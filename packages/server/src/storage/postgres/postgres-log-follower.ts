import pg from "pg";
import type { Logger } from "pino";
import type { LoggedEvent } from "../repositories/event-log-repository.js";
import { accountLogSource } from "./account-log-source.js";
import type { PgQueryable } from "./pg-queryable.js";
import { createLogFeeds, type ListenedLog, type LogFeeds } from "./postgres-log-feeds.js";

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

const reconnectDelaysMs = [100, 250, 500, 1000, 2000, 5000] as const;

/**
 * Starts following: LISTEN first, then every head in the database is read as the
 * starting point (so nothing committed before the start is published, and nothing
 * committed after it is missed), then the backstop poll starts. Rejects when the
 * database cannot be reached. The ordering (own commits merged with other processes',
 * in order, once, no gap) is the account logs' {@link createLogFeeds}, as it is every
 * other kind's; this keeps the one listener connection that drives them all.
 */
export async function startLogFollower(options: LogFollowerOptions): Promise<LogFollower> {
  const logger = options.logger;
  const accountFeeds: LogFeeds<LoggedEvent> = createLogFeeds({
    source: accountLogSource,
    sql: options.sql,
    publish: options.publish,
    isFollowed: options.isFollowed,
    followedIds: options.followedAccounts,
    logger,
  });
  const logs: readonly ListenedLog[] = [accountFeeds, ...(options.otherLogs ?? [])];
  let closed = false;
  let listener: pg.Client | undefined;
  let reconnectAttempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  // Every log's starting heads are read (a catch-up before then reads nothing).
  let started = false;
  // While notifications may have been lost (the listener is down, or back but not yet
  // caught up), every head is read, not only the followed ones: a log nobody here
  // follows (perhaps one this process never saw) must still have its position moved to
  // its head, as its wake-ups would have done. Otherwise its first subscriber would be
  // handed everything committed meanwhile, long before it registered.
  let everyHeadDue = false;
  let listenerLosses = 0;
  // Reconnects' catch-ups in flight (idle waits for them).
  const catchUpsRunning = new Set<Promise<void>>();

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
      // A wake-up before a log's starting heads waits inside its feeds for them.
      logs.find((log) => log.channel === message.channel)?.wake(message.payload);
    });
    try {
      await client.connect();
      for (const log of logs) await client.query(`LISTEN ${log.channel}`);
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
    // Only a read that starts while listening, and after the start, covers the lost
    // wake-ups: whatever commits after its snapshot wakes the listener (before the
    // start the logs read nothing, so the next catch-up reads every head).
    const covers = listener !== undefined && started;
    const losses = listenerLosses;
    await Promise.all(logs.map((log) => log.catchUp(everyHead)));
    if (everyHead && covers && losses === listenerLosses) everyHeadDue = false;
  }

  await listen();
  // The starting point: every head as it is now. Anything committed later either wakes
  // the listener (already listening) or shows up in the next poll.
  for (const log of logs) await log.start();
  started = true;

  const pollTimer = setInterval(() => {
    catchUp().catch((error: unknown) => {
      logger.debug({ err: error }, "the backstop poll of the log heads failed");
    });
  }, options.pollIntervalMs ?? 1000);
  pollTimer.unref();

  return {
    committed(events) {
      accountFeeds.committed(events);
    },
    catchUp,
    async idle() {
      // A catch-up after a reconnect first: what it finds is part of what is known.
      await Promise.all([...catchUpsRunning].map((running) => running.catch(() => undefined)));
      // Each log's idle is bounded: while the database is down every read fails, and
      // waiting for the feeds to catch up would never end (close() waits here).
      await Promise.all(logs.map((log) => log.idle()));
    },
    async close() {
      closed = true;
      clearInterval(pollTimer);
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
      // Every log stops reading at once, then waits for its reads in flight.
      const closing = Promise.all(logs.map((log) => log.close()));
      const client = listener;
      listener = undefined;
      if (client !== undefined) {
        client.removeAllListeners("notification");
        await client.end().catch(() => undefined);
      }
      await closing;
    },
  };
}
