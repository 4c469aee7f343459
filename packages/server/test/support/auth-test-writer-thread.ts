/** A writer-thread entry for the auth tests: the test writes plus a revocation that fails. */
import { serveSqliteWrites } from "../../src/storage/sqlite-writer-host.js";
import { authTestExecute } from "./auth-test-writes.js";

serveSqliteWrites(authTestExecute);
