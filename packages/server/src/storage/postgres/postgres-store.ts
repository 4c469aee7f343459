import pg from "pg";
import type { Logger } from "pino";
import { DatabaseOpenError } from "../../errors/database-open-error.js";
import { ServerError } from "../../errors/server-error.js";
import type { LoggedEvent } from "../repositories/event-log-repository.js";
import type { Repositories } from "../repositories.js";
import type { RetentionOptions } from "../retention-options.js";
import { StoreClosedError } from "../store-closed-error.js";
import type { Store, WriteExecutor, WriteRequest } from "../write-context.js";
import { migratePostgres } from "./migrate-postgres.js";
import type { PgQueryable, PgResult } from "./pg-queryable.js";
import { type PostgresBatchWrite, runPostgresBatch } from "./postgres-batch.js";
import {
  classifyPostgresFailure,
  isDatabaseUnreachable,
  isTransactionConflict,
} from "./postgres-failure.js";
import { createLogFeeds, type LogFeeds } from "./postgres-log-feeds.js";
import { type LogFollower, startLogFollower } from "./postgres-log-follower.js";
import { createPostgresRepositories } from "./postgres-repositories.js";
import { type NumberLogEvent, whatsappLogSource } from "./whatsapp-log-source.js";

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** The database, as a `postgres://user@host:port/database` URL. */
  readonly url: string;
  /**
   * Connections that commit batches at once (and, as many again, that serve reads).
   * Writes arriving while every one of them commits join the next batch. Default 4.
   */
  readonly poolSize?: number;
  readonly logger: Logger;
  readonly retention?: RetentionOptions;
  /**
   * Called with committed events in sequence order per account, each exactly once and
   * never with a gap: this process's own commits and, for the accounts
   * {@link PostgresStoreOptions.isFollowed} names, every other process's too.
   */
  readonly onCommit?: (events: readonly LoggedEvent[]) => void;
  /** Called after each commit of this process with the number of events it appended. */
  readonly onAppended?: (events: number) => void;
  /** Called after each commit of this process with its number of writes and its duration. */
  readonly onCommitMeasured?: (writes: number, seconds: number) => void;
  /**
   * Called when PostgreSQL stops answering (false: a write or read failed to reach it,
   * and on close) and when it answers again (true). Feeds the health service.
   */
  readonly onAvailabilityChange?: (available: boolean) => void;
  /** Runs the named writes of {@link Store.run} (`executeWrite`). Without it, `run` rejects. */
  readonly execute?: WriteExecutor;
  /**
   * Whether this process has live subscribers of an account: other processes' events
   * of accounts nobody here follows are never read. Default: every account is followed.
   */
  readonly isFollowed?: (accountId: number) => boolean;
  /** The accounts the backstop poll checks; default every head in the database. */
  readonly followedAccounts?: () => Iterable<number>;
  /**
   * Whether to follow the log for live streams (onCommit, other processes' commits).
   * `false` for short-lived stores such as the CLI's: no listener connection. Default true.
   */
  readonly live?: boolean;
  /**
   * Live fan-out of the WhatsApp number logs, as onCommit / isFollowed /
   * followedAccounts are for the account logs: `onCommit` gets every number's committed
   * events once each, in sequence order, never with a gap — this process's own (handed
   * in with {@link PostgresStore.whatsappCommitted}) and, for the numbers `isFollowed`
   * names, every other process's too, through the same listener. Without it the
   * WhatsApp channel is not listened to.
   */
  readonly whatsapp?: WhatsAppLiveOptions;
  /** Interval of the backstop poll of the heads (lost notifications). Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** How long to wait for a connection before a call fails UNAVAILABLE. Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** How long one query may take before its connection is given up. Default 30000 ms. */
  readonly queryTimeoutMs?: number;
  /**
   * @internal a test hook run on a batch's connection after its heads moved and before
   * its COMMIT (e.g. `SELECT pg_sleep(…)`).
   */
  readonly beforeCommit?: (sql: PgQueryable) => Promise<void>;
}

/** {@link PostgresStoreOptions.whatsapp}. */
export interface WhatsAppLiveOptions {
  readonly onCommit: (events: readonly NumberLogEvent[]) => void;
  /** Whether this process has live subscribers of a number. Default: every number. */
  readonly isFollowed?: (numberId: number) => boolean;
  /** The numbers the backstop poll checks; default every head. */
  readonly followedNumbers?: () => Iterable<number>;
}

/** The PostgreSQL {@link Store}. */
export interface PostgresStore extends Store {
  /**
   * This process committed these WhatsApp log rows (after its write resolved): they go
   * to `whatsapp.onCommit` merged with other processes' commits, in order, once each.
   */
  whatsappCommitted(events: readonly NumberLogEvent[]): void;
  /** Deletes events older than `retention.maxAgeMs` now (it also runs on a timer). */
  expireOldEvents(): Promise<number>;
  /** Commits of this process so far and the writes they carried. */
  stats(): { readonly commits: number; readonly writes: number };
  /** @internal resolves once every event known committed has been handed to onCommit. */
  liveIdle(): Promise<void>;
  /** Commits every queued write, then closes the connections. Later writes reject. */
  close(): Promise<void>;
}

interface QueuedWrite {
  readonly write: PostgresBatchWrite;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** The most writes one batch (one transaction) carries; the rest wait for the next. */
const maxBatchWrites = 256;
/** The smallest batch the queue is split into (see dispatch). */
const splitBatchWrites = 8;
/** Times a batch that lost a deadlock or a serialization conflict is run again. */
const batchConflictRetries = 3;
/** Interval of the reachability probe while PostgreSQL is down. */
const probeIntervalMs = 500;

/** The URL without its password, for messages. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unparsable URL)";
  }
}

/**
 * Opens the PostgreSQL store: migrates the database (safe when several processes start
 * at once), starts this process's listener for other processes' commits, and returns
 * the store.
 *
 * Writes are group-committed per pooled connection: the writes queued while every
 * connection is committing form the next batch, one transaction on the next free
 * connection, each write in its own savepoint; the batch's events get their sequences
 * under the account heads' row locks, taken in account order, and only after COMMIT
 * (`synchronous_commit` on) are the writes settled and the events published.
 *
 * Rejects, with an error naming the database (never its password) and the cause, when
 * PostgreSQL cannot be reached or migrated at start. Afterwards an unreachable database
 * makes calls fail with UNAVAILABLE (retryable) and the store recovers by itself.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const poolSize = options.poolSize ?? 4;
  if (!Number.isSafeInteger(poolSize) || poolSize < 1 || poolSize > 1000) {
    throw new RangeError(
      `the PostgreSQL pool size must be an integer from 1 to 1000; received ${String(poolSize)}`,
    );
  }
  const logger = options.logger;
  const connection: pg.ClientConfig = {
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    query_timeout: options.queryTimeoutMs ?? 30_000,
    keepAlive: true,
    // A link that died silently is noticed by TCP keepalive after about this long idle.
    keepAliveInitialDelayMillis: 10_000,
    application_name: "threadline-server",
  };
  const writePool = new pg.Pool({ ...connection, max: poolSize });
  const readPool = new pg.Pool({ ...connection, max: poolSize });
  for (const pool of [writePool, readPool]) {
    // An idle connection that breaks reports here; without a listener it would crash
    // the process. The next call gets a fresh connection.
    pool.on("error", (error) => {
      logger.warn({ err: error }, "an idle PostgreSQL connection failed");
    });
  }
  // Durable acknowledgements whatever the database's default.
  // (A SET rather than a startup option: `options` in the URL would replace ours.) If it
  // fails, the connection is broken and its batch's first statement fails too.
  writePool.on("connect", (client) => {
    client.query("SET synchronous_commit = on").catch((error: unknown) => {
      logger.warn({ err: error }, "could not turn synchronous_commit on for a connection");
    });
  });

  let available = true;
  let closed = false;
  let probeTimer: NodeJS.Timeout | undefined;
  function setAvailable(now: boolean): void {
    if (now === available) return;
    available = now;
    options.onAvailabilityChange?.(now);
    if (!now && !closed) startProbe();
  }
  function startProbe(): void {
    if (probeTimer !== undefined) return;
    probeTimer = setInterval(() => {
      readPool.query("SELECT 1").then(
        () => {
          clearInterval(probeTimer);
          probeTimer = undefined;
          if (!closed) setAvailable(true);
        },
        () => undefined,
      );
    }, probeIntervalMs);
    probeTimer.unref();
  }
  /**
   * Asks the database whether it answers (when the listener lost its connection), so
   * health turns NOT_SERVING during an outage even while no call is made.
   */
  function checkReachable(): void {
    if (closed) return;
    readPool.query("SELECT 1").catch((error: unknown) => {
      if (isDatabaseUnreachable(error)) setAvailable(false);
    });
  }
  /** The error a caller gets, noting an unreachable database for the health service. */
  function failure(error: unknown): unknown {
    const classified = classifyPostgresFailure(error);
    if (classified instanceof ServerError && isDatabaseUnreachable(classified)) {
      setAvailable(false);
    }
    return classified;
  }

  const reads: PgQueryable = {
    async query<Row>(text: string, values?: readonly unknown[]): Promise<PgResult<Row>> {
      if (closed) throw new StoreClosedError();
      try {
        const result = await readPool.query(text, values === undefined ? undefined : [...values]);
        return { rows: result.rows as Row[], rowCount: result.rowCount };
      } catch (error) {
        throw failure(error);
      }
    },
  };
  const repositories: Repositories = createPostgresRepositories(reads);

  let follower: LogFollower | undefined;
  const whatsappLive = options.whatsapp;
  const whatsappFeeds: LogFeeds<NumberLogEvent> | undefined =
    options.live === false || whatsappLive === undefined
      ? undefined
      : createLogFeeds({
          source: whatsappLogSource,
          sql: reads,
          publish: (events) => whatsappLive.onCommit(events),
          isFollowed: whatsappLive.isFollowed,
          followedIds: whatsappLive.followedNumbers,
          logger,
        });
  try {
    const migrator = await writePool.connect();
    const onMigratorError = (error: Error) => {
      logger.warn({ err: error }, "the PostgreSQL connection broke while migrating");
    };
    migrator.on("error", onMigratorError);
    try {
      await migratePostgres(migrator);
    } finally {
      migrator.off("error", onMigratorError);
      migrator.release();
    }
    follower =
      options.live === false
        ? undefined
        : await startLogFollower({
            listenerConfig: connection,
            sql: reads,
            publish: (events) => options.onCommit?.(events),
            isFollowed: options.isFollowed,
            followedAccounts: options.followedAccounts,
            pollIntervalMs: options.pollIntervalMs,
            otherLogs: whatsappFeeds === undefined ? [] : [whatsappFeeds],
            logger,
            onListening: (listening) => {
              if (listening) return;
              logger.warn("live events of other server processes wait for the listener");
              checkReachable();
            },
          });
  } catch (error) {
    await Promise.all([writePool.end(), readPool.end()]).catch(() => undefined);
    // A refused connection to a name with several addresses is an AggregateError
    // without a message; its code says what happened.
    const code = error instanceof Error ? Reflect.get(error, "code") : undefined;
    const reason =
      (error instanceof Error ? error.message : String(error)) ||
      (typeof code === "string" ? code : String(error));
    throw new DatabaseOpenError(redactedUrl(options.url), reason, {
      cause: error,
    });
  }

  let queue: QueuedWrite[] = [];
  let batchesInFlight = 0;
  let dispatchScheduled = false;
  let commits = 0;
  let writesCommitted = 0;
  let drained: (() => void) | undefined;

  function scheduleDispatch(): void {
    if (dispatchScheduled) return;
    dispatchScheduled = true;
    // Writes queued in the same turn of the event loop share a batch.
    setImmediate(dispatch);
  }

  function dispatch(): void {
    dispatchScheduled = false;
    while (queue.length > 0 && batchesInFlight < poolSize) {
      // The queue is spread over the free connections: the writes of one batch run one
      // after another (a domain write is a dozen round trips), so batches in parallel
      // finish sooner than one big one; only their appends and COMMITs queue behind each
      // other's head locks when they share accounts. Below splitBatchWrites writes per
      // connection, one batch (one COMMIT) does better.
      const free = poolSize - batchesInFlight;
      const size = Math.max(splitBatchWrites, Math.ceil(queue.length / free));
      const batch = queue.slice(0, Math.min(maxBatchWrites, size));
      queue = queue.slice(batch.length);
      batchesInFlight += 1;
      void commitBatch(batch).finally(() => {
        batchesInFlight -= 1;
        if (queue.length > 0) scheduleDispatch();
        else if (batchesInFlight === 0) drained?.();
      });
    }
  }

  function rejectBatch(batch: readonly QueuedWrite[], error: unknown): void {
    const classified = failure(error);
    logger.error(
      { err: error, writes: batch.length },
      "a PostgreSQL group commit failed; every write of the batch was rejected",
    );
    for (const item of batch) item.reject(classified);
  }

  async function commitBatch(batch: readonly QueuedWrite[]): Promise<void> {
    const started = performance.now();
    for (let attempt = 0; ; attempt += 1) {
      let client: pg.PoolClient;
      try {
        client = await writePool.connect();
      } catch (error) {
        rejectBatch(batch, error);
        return;
      }
      // A checked-out connection that breaks between two queries reports here (the pool
      // listens only to idle ones); the batch's next query then fails by itself.
      const onConnectionError = (error: Error) => {
        logger.warn({ err: error }, "a PostgreSQL connection broke during a group commit");
      };
      client.on("error", onConnectionError);
      let result: Awaited<ReturnType<typeof runPostgresBatch>>;
      try {
        result = await runPostgresBatch(
          {
            async query<Row>(text: string, values?: readonly unknown[]) {
              const answer = await client.query(
                text,
                values === undefined ? undefined : [...values],
              );
              return { rows: answer.rows as Row[], rowCount: answer.rowCount };
            },
          },
          batch.map((item) => item.write),
          { maxEvents: options.retention?.maxEvents, beforeCommit: options.beforeCommit },
        );
        client.off("error", onConnectionError);
        client.release();
      } catch (error) {
        client.off("error", onConnectionError);
        // A connection that broke is dropped from the pool, not reused.
        client.release(isDatabaseUnreachable(error) ? asError(error) : undefined);
        if (isTransactionConflict(error) && attempt < batchConflictRetries) continue;
        rejectBatch(batch, error);
        return;
      }
      commits += 1;
      writesCommitted += batch.length;
      setAvailable(true);
      options.onCommitMeasured?.(batch.length, (performance.now() - started) / 1000);
      for (let index = 0; index < batch.length; index += 1) {
        const item = batch[index];
        const outcome = result.outcomes[index];
        if (item === undefined || outcome === undefined) continue;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(failure(outcome.error));
      }
      if (result.appended.length > 0) {
        options.onAppended?.(result.appended.length);
        follower?.committed(result.appended);
      }
      return;
    }
  }

  function enqueue(write: PostgresBatchWrite): Promise<unknown> {
    if (closed) return Promise.reject(new StoreClosedError());
    return new Promise((resolve, reject) => {
      queue.push({ write, resolve, reject });
      scheduleDispatch();
    });
  }

  function run(request: WriteRequest): Promise<unknown> {
    const execute = options.execute;
    if (execute === undefined) {
      return Promise.reject(
        new TypeError(
          `store.run(${JSON.stringify(request.operation)}) needs the store to be opened with an execute function`,
        ),
      );
    }
    return enqueue({
      body: (context) => execute(context, request),
      keyed: request.idempotency !== undefined,
    });
  }

  const maxAgeMs = options.retention?.maxAgeMs;
  async function expireOldEvents(): Promise<number> {
    if (maxAgeMs === undefined) return 0;
    try {
      const { rows } = await writePool.query<{ expired: number }>(expireEvents, [
        Date.now() - maxAgeMs,
      ]);
      return rows[0]?.expired ?? 0;
    } catch (error) {
      throw failure(error);
    }
  }
  let expiryTimer: NodeJS.Timeout | undefined;
  if (maxAgeMs !== undefined) {
    const interval = Math.min(Math.max(Math.floor(maxAgeMs / 4), 10), 60_000);
    expiryTimer = setInterval(() => {
      expireOldEvents().catch((error: unknown) => {
        logger.error({ err: error }, "expiring old events failed");
      });
    }, interval);
    expiryTimer.unref();
  }

  let closing: Promise<void> | undefined;
  return {
    repositories,
    run,
    expireOldEvents,
    stats: () => ({ commits, writes: writesCommitted }),
    whatsappCommitted(events) {
      if (whatsappFeeds !== undefined) whatsappFeeds.committed(events);
      else if (events.length > 0) whatsappLive?.onCommit(events);
    },
    liveIdle: async () => follower?.idle(),
    close(): Promise<void> {
      closing ??= (async () => {
        closed = true;
        if (expiryTimer !== undefined) clearInterval(expiryTimer);
        if (queue.length > 0 || batchesInFlight > 0) {
          await new Promise<void>((resolve) => {
            drained = resolve;
            scheduleDispatch();
          });
        }
        await follower?.idle().catch(() => undefined);
        await follower?.close();
        if (probeTimer !== undefined) clearInterval(probeTimer);
        await Promise.all([writePool.end(), readPool.end()]);
        setAvailable(false);
      })();
      return closing;
    },
  };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

// Age retention per account: everything up to the newest event older than the cut-off
// goes (the log stays a contiguous suffix even if clocks of processes differ), and the
// head remembers where the retained part starts.
const expireEvents = `
  WITH cut AS (
    SELECT account_id, max(sequence) AS through FROM event_log
    WHERE recorded_at < $1 GROUP BY account_id
  ), deleted AS (
    DELETE FROM event_log AS event USING cut
    WHERE event.account_id = cut.account_id AND event.sequence <= cut.through
    RETURNING 1
  ), moved AS (
    UPDATE log_heads AS head SET retained_from = GREATEST(head.retained_from, cut.through + 1)
    FROM cut WHERE head.account_id = cut.account_id
    RETURNING 1
  )
  SELECT count(*)::int AS expired FROM deleted`;
