import { pino } from "pino";
import {
  openSqliteStore,
  type SqliteStore,
  type SqliteStoreOptions,
} from "../../src/storage/sqlite-store.js";
import { testExecute } from "./test-writes.js";

/** Where a test store commits. */
export type StoreMode = SqliteStore["mode"];

/** Both modes, for `describe.each`. */
export const storeModes: readonly StoreMode[] = ["writer-thread", "main-thread"];

/** The test writer thread's entry (the domain's writes plus the test writes). */
export const testWriterThread = new URL("./test-writer-thread.ts", import.meta.url);

/**
 * Opens a store on `path` that runs the test writes (and the domain's) by name, on
 * SQLite's writer thread or on this thread.
 */
export function openTestStore(
  path: string,
  mode: StoreMode,
  options: Partial<Omit<SqliteStoreOptions, "path">> = {},
): SqliteStore {
  return openSqliteStore({
    path,
    logger: pino({ enabled: false }),
    execute: testExecute,
    ...(mode === "writer-thread" ? { writerThread: { module: testWriterThread } } : {}),
    ...options,
  });
}
