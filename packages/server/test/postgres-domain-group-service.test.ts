// domain-group-service.test.ts again, with every server on PostgreSQL (a fresh database each).
import { runDomainTestsOnPostgres } from "./support/domain-tests-on-postgres.js";

await runDomainTestsOnPostgres(
  "domain-group-service",
  () => import("./domain-group-service.test.js"),
);
