import { afterAll, expect, it } from "vitest";
import {
  dropDomainTestTemplate,
  postgresDomainServersStarted,
  useDomainTestEngine,
} from "../domain-fixture.js";
import { postgresReachable } from "./postgres-scratch.js";

/**
 * Registers a domain test file's tests once more, in the calling test file, with every
 * server of it on PostgreSQL (a fresh database each): `load` imports the domain test
 * file after the engine is chosen; a last test checks that its servers were PostgreSQL
 * ones. When PostgreSQL is unreachable the tests are skipped,
 * except under `CI=true`, where that fails.
 */
export async function runDomainTestsOnPostgres(
  name: string,
  load: () => Promise<unknown>,
): Promise<void> {
  if (!(await postgresReachable())) {
    it.skip(`${name} on PostgreSQL (PostgreSQL is unreachable)`);
    return;
  }
  useDomainTestEngine("postgres");
  afterAll(dropDomainTestTemplate);
  await load();
  // Runs last: the file's servers really were PostgreSQL ones.
  it(`${name}: its servers ran on PostgreSQL`, () => {
    expect(postgresDomainServersStarted()).toBeGreaterThan(0);
  });
}
