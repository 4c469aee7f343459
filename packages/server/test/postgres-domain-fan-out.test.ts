// domain-fan-out.test.ts again, with every server on PostgreSQL (a fresh database each).
import { runDomainTestsOnPostgres } from "./support/domain-tests-on-postgres.js";

await runDomainTestsOnPostgres("domain-fan-out", () => import("./domain-fan-out.test.js"));
