import { kindCodes } from "../event-kind-codes.js";
import type { LoggedEvent } from "../repositories/event-log-repository.js";
import type { EventDomain } from "../write-context.js";
import { logWakeUpChannel } from "./log-wake-up.js";
import type { PgQueryable } from "./pg-queryable.js";

/** One event a batch's writes appended, before it has a sequence. */
export interface PendingLogEvent {
  readonly accountId: number;
  readonly kind: EventDomain;
  readonly chatGuid: string;
  readonly pollGuid: string | null;
  readonly payload: Uint8Array;
}

/** How {@link appendUnderHeadLocks} treats retention. */
export interface LogAppendOptions {
  /** Keep at most this many of the newest events per account; unset keeps all. */
  readonly maxEvents?: number | undefined;
}

// One statement, one round trip. The first part locks every head the batch appends to,
// in account order (rows are inserted in the SELECT's order, and ON CONFLICT DO UPDATE
// takes an existing row's lock exactly like SELECT … FOR UPDATE), creates the heads of
// accounts that have none (a concurrent insert of the same head waits for the other
// transaction and then updates its row), and moves each head by the batch's count. The
// events then get head - count + position (position: 1 … count within the account, in
// append order), and one wake-up per account ("account:head", see log-wake-up.ts) is
// queued with the transaction; PostgreSQL delivers it only at COMMIT.
const appendAndNotify = `
  WITH batch AS (
    SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS batch (account_id, appended)
  ), head AS (
    INSERT INTO log_heads AS head (account_id, head_sequence, retained_from)
    SELECT batch.account_id, batch.appended,
           GREATEST(1, batch.appended - COALESCE($3::bigint, batch.appended) + 1)
    FROM batch
    ORDER BY batch.account_id
    ON CONFLICT (account_id) DO UPDATE SET
      head_sequence = head.head_sequence + excluded.head_sequence,
      retained_from = GREATEST(
        head.retained_from,
        head.head_sequence + excluded.head_sequence - COALESCE($3::bigint, head.head_sequence + excluded.head_sequence) + 1
      )
    RETURNING head.account_id, head.head_sequence, head.retained_from
  ), inserted AS (
    INSERT INTO event_log (account_id, sequence, kind, chat_guid, poll_guid, recorded_at, payload)
    SELECT event.account_id, head.head_sequence - batch.appended + event.position,
           event.kind, event.chat_guid, event.poll_guid, $9::bigint, event.payload
    FROM unnest($4::bigint[], $5::bigint[], $6::smallint[], $7::text[], $8::text[], $10::bytea[])
      AS event (account_id, position, kind, chat_guid, poll_guid, payload)
    JOIN head USING (account_id)
    JOIN batch USING (account_id)
  )
  SELECT head.account_id, head.head_sequence, head.retained_from,
         pg_notify($11, head.account_id::text || ':' || head.head_sequence::text)
  FROM head`;

const trimRetained = `
  DELETE FROM event_log AS event
  USING unnest($1::bigint[], $2::bigint[]) AS kept (account_id, retained_from)
  WHERE event.account_id = kept.account_id AND event.sequence < kept.retained_from`;

/**
 * Appends a batch's events inside the caller's open transaction: locks the heads of
 * every account involved in account order, assigns each account's events the next
 * contiguous sequences (in the order they were appended), inserts them, moves the
 * heads, trims what retention no longer keeps, and queues one wake-up notification per
 * account. Sequences come only from the locked head rows, never from a database
 * sequence, so per account commit order is sequence order and a rollback allocates
 * nothing. Resolves with the events as they will be once the caller commits.
 */
export async function appendUnderHeadLocks(
  sql: PgQueryable,
  events: readonly PendingLogEvent[],
  recordedAt: number,
  options: LogAppendOptions = {},
): Promise<LoggedEvent[]> {
  if (events.length === 0) return [];
  const counts = new Map<number, number>();
  for (const event of events) counts.set(event.accountId, (counts.get(event.accountId) ?? 0) + 1);
  const accounts = [...counts.keys()].sort((left, right) => left - right);
  const positions = new Map<number, number>();
  const position = events.map((event) => {
    const next = (positions.get(event.accountId) ?? 0) + 1;
    positions.set(event.accountId, next);
    return next;
  });
  const { rows: heads } = await sql.query<{
    account_id: string | number;
    head_sequence: string | number;
    retained_from: string | number;
  }>(appendAndNotify, [
    accounts,
    accounts.map((accountId) => counts.get(accountId) ?? 0),
    options.maxEvents ?? null,
    events.map((event) => event.accountId),
    position,
    events.map((event) => kindCodes[event.kind]),
    events.map((event) => event.chatGuid),
    events.map((event) => event.pollGuid),
    recordedAt,
    events.map((event) => event.payload),
    logWakeUpChannel,
  ]);

  const firstSequence = new Map<number, number>();
  const trimmed: { accountId: number; retainedFrom: number }[] = [];
  for (const row of heads) {
    const accountId = Number(row.account_id);
    const retainedFrom = Number(row.retained_from);
    firstSequence.set(accountId, Number(row.head_sequence) - (counts.get(accountId) ?? 0) + 1);
    if (retainedFrom > 1) trimmed.push({ accountId, retainedFrom });
  }
  if (firstSequence.size !== accounts.length) {
    throw new Error(
      `locking the log heads returned ${firstSequence.size} rows for ${accounts.length} accounts`,
    );
  }
  const logged: LoggedEvent[] = events.map((event, index) => ({
    accountId: event.accountId,
    sequence: (firstSequence.get(event.accountId) ?? 0) + (position[index] ?? 1) - 1,
    kind: event.kind,
    chatGuid: event.chatGuid,
    pollGuid: event.pollGuid,
    payload: event.payload,
  }));
  if (trimmed.length > 0) {
    await sql.query(trimRetained, [
      trimmed.map((head) => head.accountId),
      trimmed.map((head) => head.retainedFrom),
    ]);
  }
  return logged;
}
