import { Redis } from "ioredis";
import pg from "pg";

/** PostgreSQL used by the tests; trust auth on loopback by default. */
export const postgresUrl =
  process.env.THREADLINE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
/** Redis used by the tests. */
export const redisUrl = process.env.THREADLINE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const ci = process.env.CI === "true";

/**
 * Which services answer. Under `CI=true` every service counts as available, so a
 * missing one fails its tests instead of skipping them.
 */
export async function serviceAvailability(): Promise<{ postgres: boolean; redis: boolean }> {
  if (ci) return { postgres: true, redis: true };
  const [postgres, redis] = await Promise.all([postgresAnswers(), redisAnswers()]);
  if (!postgres) console.warn(`PostgreSQL at ${postgresUrl} is unreachable; its tests are skipped`);
  if (!redis) console.warn(`Redis at ${redisUrl} is unreachable; its tests are skipped`);
  return { postgres, redis };
}

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisAnswers(): Promise<boolean> {
  const client = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
