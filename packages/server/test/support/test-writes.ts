import { executeWrite } from "../../src/domain/write-operations.js";
import { ServerError } from "../../src/errors/server-error.js";
import type { SqliteWriteContext } from "../../src/storage/group-commit-batch.js";
import type { WriteContext, WriteExecutor } from "../../src/storage/write-context.js";
import { messageEvent } from "./append-events.js";

/** Input of "test.append": events to append, and whether (and where) the write then fails. */
export interface TestAppendInput {
  /** One event per entry: its account and its chat GUID (what the test checks for). */
  readonly appends: readonly {
    readonly accountId: number;
    readonly chatGuid: string;
    /** Text in the event's payload (its size is what a full-disk test varies). */
    readonly text?: string;
  }[];
  /** Throw after this many appends (past the end: after all of them); absent: succeed. */
  readonly failAfter?: number;
  /**
   * Also store a row through a repository (an idempotency key `note:<text>` of account
   * 1) before failing or returning: the write then changes a table, not only the log.
   */
  readonly note?: string;
  /** What is returned on success. */
  readonly result?: unknown;
}

/** Input of "test.fail": throws a ServerError built from these fields. */
export interface TestFailInput {
  readonly errorCode: ServerError["errorCode"];
  readonly message: string;
  readonly retryable: boolean;
  readonly field?: string;
  readonly trailers?: Readonly<Record<string, string>>;
}

/** Thrown by a planned failure of "test.append". */
export class PlannedFailure extends Error {
  override readonly name = "PlannedFailure";
}

async function append(context: WriteContext, input: TestAppendInput): Promise<unknown> {
  for (const [position, { accountId, chatGuid, text }] of input.appends.entries()) {
    if (input.failAfter === position) throw new PlannedFailure(`planned failure at ${position}`);
    context.appendEvent(accountId, messageEvent(chatGuid, text));
  }
  if (input.note !== undefined) {
    await context.repositories.idempotency.insert(
      1,
      `note:${input.note}`,
      { fingerprint: input.note, response: new Uint8Array() },
      context.now.getTime(),
    );
  }
  if (input.failAfter !== undefined) {
    throw new PlannedFailure(`planned failure at ${input.failAfter}`);
  }
  return input.result ?? null;
}

async function fail(_context: WriteContext, input: TestFailInput): Promise<never> {
  throw new ServerError(input.errorCode, input.message, {
    retryable: input.retryable,
    ...(input.field === undefined ? {} : { field: input.field }),
    ...(input.trailers === undefined ? {} : { trailers: input.trailers }),
  });
}

/** A write whose result is a function: it commits, but its result cannot cross threads. */
async function unclonableResult(context: WriteContext, input: TestAppendInput): Promise<unknown> {
  await append(context, input);
  return () => "a function";
}

/** Input of "test.insertKey": one idempotency key row, through the repository. */
export interface TestInsertKeyInput {
  readonly accountId: number;
  readonly key: string;
  readonly fingerprint: string;
  readonly createdAt: number;
}

async function insertKey(context: WriteContext, input: TestInsertKeyInput): Promise<null> {
  await context.repositories.idempotency.insert(
    input.accountId,
    input.key,
    { fingerprint: input.fingerprint, response: new Uint8Array() },
    input.createdAt,
  );
  return null;
}

/** Input of "test.endTransaction": the driver error to throw (SQLITE_FULL when absent). */
export interface TestEndTransactionInput {
  readonly code: string;
  readonly message: string;
}

/**
 * "test.endTransaction": ends the batch's transaction and throws a driver error, the
 * way SQLite itself may end a transaction on a full disk or an I/O error.
 */
async function endTransaction(
  context: WriteContext,
  input: TestEndTransactionInput | null,
): Promise<never> {
  // The one test write that needs the connection itself: it only runs on SQLite.
  (context as SqliteWriteContext).db.exec("ROLLBACK");
  const { code, message } = input ?? { code: "SQLITE_FULL", message: "database or disk is full" };
  throw Object.assign(new Error(message), { code });
}

/** "test.exitThread": ends the thread it runs on at once, mid-batch (a crashed writer thread). */
async function exitThread(): Promise<never> {
  process.exit(3);
}

/** Input of "test.holdThread": appends, then blocks its thread until `gate[0]` is set. */
export interface TestHoldInput {
  /** A shared Int32Array's buffer (shared, not copied, when it crosses to the thread). */
  readonly gate: SharedArrayBuffer;
  readonly append: TestAppendInput;
}

/**
 * Appends inside the batch's open transaction, marks `gate[1]` (it holds), then blocks
 * the thread it runs on until the test sets `gate[0]`: a commit that takes as long as
 * the test wants. Only for the writer thread (it would block a main thread for good).
 */
async function holdThread(context: WriteContext, input: TestHoldInput): Promise<unknown> {
  const result = await append(context, input.append);
  const gate = new Int32Array(input.gate);
  Atomics.store(gate, 1, 1);
  Atomics.notify(gate, 1);
  while (Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0, 1000);
  return result;
}

/** Test-only named writes, by name (the test writer thread runs them beside the domain's). */
export const testWrites: ReadonlyMap<
  string,
  (context: WriteContext, input: unknown) => Promise<unknown>
> = new Map<string, (context: WriteContext, input: unknown) => Promise<unknown>>([
  // The tests build the inputs with the types above; by name, a write takes what it is given.
  ["test.append", (context, input) => append(context, input as TestAppendInput)],
  ["test.fail", (context, input) => fail(context, input as TestFailInput)],
  ["test.insertKey", (context, input) => insertKey(context, input as TestInsertKeyInput)],
  [
    "test.endTransaction",
    (context, input) => endTransaction(context, input as TestEndTransactionInput | null),
  ],
  ["test.exitThread", () => exitThread()],
  ["test.holdThread", (context, input) => holdThread(context, input as TestHoldInput)],
  [
    "test.unclonableResult",
    (context, input) => unclonableResult(context, input as TestAppendInput),
  ],
]);

/** The test writes beside the domain's registry: what the test writer thread runs. */
export const testExecute: WriteExecutor = (context, request) => {
  const write = testWrites.get(request.operation);
  if (write !== undefined) return write(context, request.input);
  return executeWrite(context, request);
};
