import type { Account } from "../src/auth/account.js";
import { startTestServer } from "../src/testing.js";

/** What the domain tests need from a running server. */
export interface DomainTestServer {
  readonly address: string;
  createAccount(addresses: readonly string[]): Promise<{ account: Account; token: string }>;
  close(): Promise<void>;
}

/**
 * The real `@threadline/server` on port 0 over a temporary SQLite file, started with
 * the package's own test fixture (which fails teardown when a call leaked).
 */
export async function startDomainTestServer(): Promise<DomainTestServer> {
  const server = await startTestServer();
  return {
    address: server.address,
    createAccount: (addresses) => server.accounts.create(addresses),
    close: () => server.close(),
  };
}
