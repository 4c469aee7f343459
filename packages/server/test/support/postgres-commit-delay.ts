import pg from "pg";

/**
 * Makes some transactions of every server process on the database wait between their
 * head update and their COMMIT: a deferred constraint trigger on `log_heads` runs at
 * COMMIT time, after the heads moved and the events were inserted, and sleeps for a
 * random while in a random share of them. The heads' row locks are held all along, so
 * a second batch for the same account has to wait; batches for other accounts commit
 * past it. Being in the database, it reaches server processes started from the CLI,
 * which have no way to take the engine's in-process beforeCommit hook. Test-only:
 * install it on scratch databases, after the servers migrated them.
 */
export async function installCommitDelay(
  databaseUrl: string,
  options: { readonly share: number; readonly maxSeconds: number },
): Promise<void> {
  if (!(options.share >= 0 && options.share <= 1)) {
    throw new RangeError(`share must be from 0 to 1; received ${options.share}`);
  }
  if (!(options.maxSeconds > 0 && options.maxSeconds <= 1)) {
    throw new RangeError(
      `maxSeconds must be above 0 and at most 1; received ${options.maxSeconds}`,
    );
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("CREATE SEQUENCE IF NOT EXISTS threadline_test_commit_delays");
    await client.query(`
      CREATE OR REPLACE FUNCTION threadline_test_delay_commit() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF random() < ${Number(options.share)} THEN
          PERFORM nextval('threadline_test_commit_delays');
          PERFORM pg_sleep(random() * ${Number(options.maxSeconds)});
        END IF;
        RETURN NULL;
      END $$`);
    await client.query(`
      CREATE CONSTRAINT TRIGGER threadline_test_delay_commit
      AFTER INSERT OR UPDATE ON log_heads
      DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW EXECUTE FUNCTION threadline_test_delay_commit()`);
  } finally {
    await client.end();
  }
}

/** How many commits the trigger of {@link installCommitDelay} has delayed so far. */
export async function delayedCommits(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ delayed: string }>(
      "SELECT CASE WHEN is_called THEN last_value ELSE 0 END::text AS delayed FROM threadline_test_commit_delays",
    );
    return Number(rows[0]?.delayed ?? 0);
  } finally {
    await client.end();
  }
}
