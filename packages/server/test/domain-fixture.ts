import type { Account } from "../src/auth/account.js";
import { startTestServer } from "../src/testing.js";
import { type AccountClient, connectAccount } from "./domain-client.js";

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
 * The real `@threadline/server` on port 0 over a temporary SQLite file, started with
 * the package's own test fixture (which fails teardown when a call leaked).
 */
export async function startDomainTestServer(): Promise<DomainTestServer> {
  const server = await startTestServer();
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
      await server.close();
    },
  };
}
