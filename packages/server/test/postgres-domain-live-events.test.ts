// domain-live-events.test.ts again, with every server on PostgreSQL (a fresh database each).
import { runDomainTestsOnPostgres } from "./support/domain-tests-on-postgres.js";

await runDomainTestsOnPostgres("domain-live-events", () => import("./domain-live-events.test.js"));
