// domain-poll-service.test.ts again, with every server on PostgreSQL (a fresh database each).
import { runDomainTestsOnPostgres } from "./support/domain-tests-on-postgres.js";

await runDomainTestsOnPostgres(
  "domain-poll-service",
  () => import("./domain-poll-service.test.js"),
);
