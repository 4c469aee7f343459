import pg from "pg";
import { pino } from "pino";
import {
  openPostgresStore,
  type PostgresStore,
  type PostgresStoreOptions,
} from "../../src/storage/postgres/postgres-store.js";
import type { LoggedEvent } from "../../src/storage/repositories/event-log-repository.js";
import type { WriteContext, WriteExecutor } from "../../src/storage/write-context.js";

/** The input of the engine tests' one write operation, "test.append". */
export interface TestAppendInput {
  /** Names the write: its events' chat GUID and its idempotency row's key. */
  readonly id: string;
  /** One event per entry, appended in this order (an account may repeat). */
  readonly accounts: readonly number[];
  /**
   * "none": succeeds. "throw": throws after its row and events (the engine must undo
   * both). "sql": a statement fails (a bigint parameter that is not a number, SQLSTATE
   * 22P02) after its row and events.
   */
  readonly failure: "none" | "throw" | "sql";
  /** Appended to each event's chat GUID (not to the key): makes large rows. */
  readonly padding?: string;
}

/**
 * The engine tests' executor: "test.append" stores one idempotency row (account of
 * its first event, key = id) through the repositories, appends its events, and fails
 * as told. Domain writes are not needed to test the engine.
 */
export const testWrites: WriteExecutor = async (context, request) => {
  if (request.operation === "test.keyed")
    return keyedAppend(context, request.input as TestKeyedInput);
  if (request.operation === "test.keyPair")
    return keyPair(context, request.input as TestKeyPairInput);
  if (request.operation !== "test.append") {
    throw new TypeError(
      `the engine tests know test.append and test.keyed; received ${request.operation}`,
    );
  }
  const input = request.input as TestAppendInput;
  const owner = input.accounts[0] ?? 1;
  const row = { fingerprint: "test", response: new Uint8Array([1, 2, 3]) };
  await context.repositories.idempotency.insert(owner, input.id, row, context.now.getTime());
  for (const accountId of input.accounts) {
    context.appendEvent(accountId, {
      kind: "message",
      event: { chatGuid: `${input.id}${input.padding ?? ""}` },
    });
  }
  if (input.failure === "throw") throw new Error(`write ${input.id} fails on purpose`);
  if (input.failure === "sql") {
    await context.repositories.idempotency.pruneBefore(Number.NaN);
  }
  return input.id;
};

/** The input of "test.keyed": a keyed write that holds its transaction open a while. */
export interface TestKeyedInput {
  readonly key: string;
  readonly accountId: number;
  /** Who runs it (stored as the first response). */
  readonly writer: string;
  /** How long the write waits between looking the key up and storing it. */
  readonly holdMs: number;
}

/**
 * "test.keyed": the idempotency shape of executeWrite, with a pause that lets another
 * process's write of the same key interleave. Resolves "stored:<first writer>" when
 * the key was there, else "first:<writer>".
 */
async function keyedAppend(context: WriteContext, input: TestKeyedInput): Promise<string> {
  const keys = context.repositories.idempotency;
  const stored = await keys.find(input.accountId, input.key);
  if (stored !== undefined) return `stored:${Buffer.from(stored.response).toString("utf8")}`;
  await new Promise((resolve) => setTimeout(resolve, input.holdMs));
  context.appendEvent(input.accountId, { kind: "message", event: { chatGuid: input.key } });
  await keys.insert(
    input.accountId,
    input.key,
    { fingerprint: "test", response: Buffer.from(input.writer, "utf8") },
    context.now.getTime(),
  );
  return `first:${input.writer}`;
}

/** The input of "test.keyPair": stores two keys, pausing between them. */
export interface TestKeyPairInput {
  readonly accountId: number;
  readonly keys: readonly [string, string];
  readonly holdMs: number;
}

/**
 * "test.keyPair": stores each key unless it is there already, pausing after the first.
 * Two of these with the keys in opposite orders in two processes deadlock on the
 * unique index. Resolves with how many keys it stored.
 */
async function keyPair(context: WriteContext, input: TestKeyPairInput): Promise<number> {
  const keys = context.repositories.idempotency;
  let stored = 0;
  for (const [index, key] of input.keys.entries()) {
    if ((await keys.find(input.accountId, key)) === undefined) {
      await keys.insert(
        input.accountId,
        key,
        { fingerprint: "pair", response: new Uint8Array([index]) },
        context.now.getTime(),
      );
      stored += 1;
    }
    if (index === 0) await new Promise((resolve) => setTimeout(resolve, input.holdMs));
  }
  context.appendEvent(input.accountId, {
    kind: "message",
    event: { chatGuid: input.keys.join("+") },
  });
  return stored;
}

/** A store on `url` with the test executor, recording what it publishes. */
export interface RecordingStore {
  readonly store: PostgresStore;
  /** Every event onCommit received, in the order received. */
  readonly published: LoggedEvent[];
  /** Every availability change, in order. */
  readonly availability: boolean[];
}

/** Opens a {@link RecordingStore}; `overrides` may set any store option. */
export async function openRecordingStore(
  url: string,
  overrides: Partial<PostgresStoreOptions> = {},
): Promise<RecordingStore> {
  const published: LoggedEvent[] = [];
  const availability: boolean[] = [];
  const store = await openPostgresStore({
    url,
    logger: pino({ enabled: false }),
    execute: testWrites,
    onCommit: (events) => {
      published.push(...events);
    },
    onAvailabilityChange: (available) => {
      availability.push(available);
    },
    ...overrides,
  });
  return { store, published, availability };
}

/** One stored event as the tests check it. */
export interface StoredEvent {
  readonly accountId: number;
  readonly sequence: number;
  readonly chatGuid: string;
}

/** Every stored event of `accounts`, in (account, sequence) order. */
export async function storedEvents(
  url: string,
  accounts: readonly number[],
): Promise<StoredEvent[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{
      account_id: string;
      sequence: string;
      chat_guid: string;
    }>(
      "SELECT account_id, sequence, chat_guid FROM event_log WHERE account_id = ANY($1::bigint[]) ORDER BY account_id, sequence",
      [accounts],
    );
    return rows.map((row) => ({
      accountId: Number(row.account_id),
      sequence: Number(row.sequence),
      chatGuid: row.chat_guid,
    }));
  } finally {
    await client.end();
  }
}

/** Keys of the stored idempotency rows among `keys`. */
export async function storedKeys(url: string, keys: readonly string[]): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ key: string }>(
      "SELECT key FROM idempotency_keys WHERE key = ANY($1::text[])",
      [keys],
    );
    return new Set(rows.map((row) => row.key));
  } finally {
    await client.end();
  }
}

/** The failures a test expects: throws unless every sequence of each account is 1…n, once. */
export function contiguityProblems(
  events: readonly { accountId: number; sequence: number }[],
): string[] {
  const byAccount = new Map<number, number[]>();
  for (const event of events) {
    const list = byAccount.get(event.accountId) ?? [];
    list.push(event.sequence);
    byAccount.set(event.accountId, list);
  }
  const problems: string[] = [];
  for (const [accountId, sequences] of byAccount) {
    sequences.forEach((sequence, index) => {
      if (sequence !== index + 1) {
        problems.push(`account ${accountId}: position ${index} holds sequence ${sequence}`);
      }
    });
  }
  return problems;
}
