/**
 * @internal the entry module of SQLite's writer thread (`openSqliteStore`'s
 * `writerThread`): it runs group commit with the domain's write registry. It lives at
 * the top of the package, beside `server.ts`, because it joins two layers: storage
 * runs the thread, and the domain's named writes run in it.
 */
import { executeWrite } from "./domain/write-operations.js";
import { serveSqliteWrites } from "./storage/sqlite-writer-host.js";

serveSqliteWrites(executeWrite);
