// domain-stickers-and-notify.test.ts again, with every server on PostgreSQL (a fresh database each).
import { runDomainTestsOnPostgres } from "./support/domain-tests-on-postgres.js";

await runDomainTestsOnPostgres(
  "domain-stickers-and-notify",
  () => import("./domain-stickers-and-notify.test.js"),
);
