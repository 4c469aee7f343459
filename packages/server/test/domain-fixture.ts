import type { Account } from "../src/auth/account.js";
import { startTestServer } from "../src/testing.js";
import { type AccountClient, connectAccount } from "./domain-client.js";
import { cloneDatabase } from "./support/postgres-database-clone.js";
import { createScratchDatabase, type ScratchDatabase } from "./support/postgres-scratch.js";

/** The storage engine {@link startDomainTestServer} runs its servers on. */
export type DomainTestEngine = "sqlite" | "postgres";

let engine: DomainTestEngine = "sqlite";

/**
 * Makes every later {@link startDomainTestServer} of this test file run on `chosen`:
 * on "postgres", each server gets a fresh database of its own on the test PostgreSQL
 * (a copy of one the server migrated once), dropped when the server closes. Call it before the domain tests are
 * imported (see the `postgres-domain-*.test.ts` files, which run domain test files on
 * PostgreSQL).
 */
export function useDomainTestEngine(chosen: DomainTestEngine): void {
  engine = chosen;
}

let template: Promise<ScratchDatabase> | undefined;
let postgresServers = 0;

/** How many servers {@link startDomainTestServer} started on PostgreSQL in this file. */
export function postgresDomainServersStarted(): number {
  return postgresServers;
}

/** A database the server migrated once; each server of the file gets a copy of it. */
function migratedTemplate(): Promise<ScratchDatabase> {
  template ??= (async () => {
    const database = await createScratchDatabase();
    const migrating = await startTestServer({ database: database.url, databasePoolSize: 1 });
    await migrating.close();
    return database;
  })();
  return template;
}

/** Drops the template database of the PostgreSQL domain servers (once the file is done). */
export async function dropDomainTestTemplate(): Promise<void> {
  const created = template;
  template = undefined;
  await (await created)?.drop();
}

/** What the domain tests need from a running server. */
export interface DomainTestServer {
  readonly address: string;
  createAccount(addresses: readonly string[]): Promise<{ account: Account; token: string }>;
  /** Creates an account with one address and connects a client to it; closed by `close()`. */
  connect(address: string): Promise<AccountClient>;
  /** Closes every client from `connect`, then the server. */
  close(): Promise<void>;
}

/**
 * The real `@threadline/server` on port 0 over a temporary SQLite file (or, after
 * `useDomainTestEngine("postgres")`, a fresh PostgreSQL database), started with the
 * package's own test fixture (which fails teardown when a call leaked).
 */
export async function startDomainTestServer(): Promise<DomainTestServer> {
  const database =
    engine === "postgres" ? await cloneDatabase((await migratedTemplate()).name) : undefined;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  try {
    server = await startTestServer(
      database === undefined ? {} : { database: database.url, databasePoolSize: 2 },
    );
  } catch (error) {
    await database?.drop();
    throw error;
  }
  if (database !== undefined) postgresServers += 1;
  const clients: AccountClient[] = [];
  return {
    address: server.address,
    createAccount: (addresses) => server.accounts.create(addresses),
    async connect(address) {
      const { token } = await server.accounts.create([address]);
      const client = connectAccount(server.address, token);
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients.splice(0)) client.close();
      try {
        await server.close();
      } finally {
        await database?.drop();
      }
    },
  };
}
