// domain-message-service.test.ts again, with every server on PostgreSQL (a fresh database each).
import { runDomainTestsOnPostgres } from "./support/domain-tests-on-postgres.js";

await runDomainTestsOnPostgres(
  "domain-message-service",
  () => import("./domain-message-service.test.js"),
);
