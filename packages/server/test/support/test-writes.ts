import { executeWrite } from "../../src/domain/write-operations.js";
import { ServerError } from "../../src/errors/server-error.js";
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
  /** Insert a row into the `notes` table (created on first use) before failing or returning. */
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
    context.db.exec("CREATE TABLE IF NOT EXISTS notes (text TEXT NOT NULL)");
    context.db.prepare("INSERT INTO notes (text) VALUES (?)").run(input.note);
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

/** Input of "test.exec": SQL run on the write connection inside the write (a test's shortcut). */
export interface TestExecInput {
  readonly sql: string;
}

async function exec(context: WriteContext, input: TestExecInput): Promise<null> {
  context.db.exec(input.sql);
  return null;
}

/**
 * "test.endTransaction": ends the batch's transaction and throws SQLITE_FULL, the way
 * SQLite itself may end a transaction on a full disk or an I/O error.
 */
async function endTransaction(context: WriteContext): Promise<never> {
  context.db.exec("ROLLBACK");
  throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
}

/** "test.exitThread": ends the thread it runs on at once, mid-batch (a crashed writer thread). */
async function exitThread(): Promise<never> {
  process.exit(3);
}

/** Test-only named writes, by name (the test writer thread runs them beside the domain's). */
export const testWrites: ReadonlyMap<
  string,
  (context: WriteContext, input: unknown) => Promise<unknown>
> = new Map<string, (context: WriteContext, input: unknown) => Promise<unknown>>([
  // The tests build the inputs with the types above; by name, a write takes what it is given.
  ["test.append", (context, input) => append(context, input as TestAppendInput)],
  ["test.fail", (context, input) => fail(context, input as TestFailInput)],
  ["test.exec", (context, input) => exec(context, input as TestExecInput)],
  ["test.endTransaction", (context) => endTransaction(context)],
  ["test.exitThread", () => exitThread()],
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
