/**
 * A writer-thread entry for engine tests: the domain's registry plus the test-only
 * writes of `test-writes.ts`, so group commit on SQLite's writer thread can be driven
 * with writes that append to chosen accounts, touch a table, or fail in chosen ways.
 */
import { serveSqliteWrites } from "../../src/storage/sqlite-writer-host.js";
import { testExecute } from "./test-writes.js";

serveSqliteWrites(testExecute);
