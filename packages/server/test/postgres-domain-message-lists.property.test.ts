// domain-message-lists.property.test.ts again, with every server on PostgreSQL (a fresh database each).
import { runDomainTestsOnPostgres } from "./support/domain-tests-on-postgres.js";

await runDomainTestsOnPostgres(
  "domain-message-lists.property",
  () => import("./domain-message-lists.property.test.js"),
);
