import { randomBytes } from "node:crypto";
import pg from "pg";

/** The PostgreSQL the engine tests use: trust auth on loopback by default. */
export const postgresAdminUrl =
  process.env.THREADLINE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** An empty database of its own on the test PostgreSQL. */
export interface ScratchDatabase {
  readonly name: string;
  /** Its URL (direct, on the test PostgreSQL's own port). */
  readonly url: string;
  /** A URL for the same database through another `host:port` (a proxy in front of it). */
  urlThrough(address: string): string;
  /** Drops the database, ending every session still on it. */
  drop(): Promise<void>;
}

/**
 * Whether the test PostgreSQL answers. Under `CI=true` an unreachable PostgreSQL is an
 * error (the tests must fail, not skip); elsewhere it resolves false.
 */
export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({
    connectionString: postgresAdminUrl,
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (error) {
    await client.end().catch(() => undefined);
    if (process.env.CI === "true") {
      throw new Error(
        `PostgreSQL at ${postgresAdminUrl} is unreachable, and CI=true makes that a failure`,
        { cause: error },
      );
    }
    return false;
  }
}

/** Creates an empty database `threadline_p_<random>`; drop it when done. */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `threadline_p_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    urlThrough(address) {
      const through = new URL(url.toString());
      through.host = address;
      return through.toString();
    },
    async drop() {
      const dropper = new pg.Client({ connectionString: postgresAdminUrl });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
