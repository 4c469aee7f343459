/**
 * A writer-thread entry for engine tests: the domain's registry plus a few test-only
 * writes, so group commit on SQLite's writer thread can be driven with writes that
 * append to chosen accounts, touch a table, or fail in chosen ways.
 */
import { executeWrite } from "../../src/domain/write-operations.js";
import { serveSqliteWrites } from "../../src/storage/sqlite-writer-host.js";
import type { WriteExecutor } from "../../src/storage/write-context.js";
import { testWrites } from "./test-writes.js";

const execute: WriteExecutor = (context, request) => {
  const write = testWrites.get(request.operation);
  if (write !== undefined) return write(context, request.input);
  return executeWrite(context, request);
};

serveSqliteWrites(execute);
