import { pino } from "pino";
import { executeWrite } from "./domain/write-operations.js";
import { openPostgresStore } from "./storage/postgres/postgres-store.js";
import type { ServerStore } from "./storage/server-store.js";
import { openSqliteStore } from "./storage/sqlite-store.js";

/** Where an admin command's data lives: the SQLite `--data` file or the PostgreSQL `--database`. */
export type CommandStorage =
  | { readonly kind: "sqlite"; readonly path: string }
  | { readonly kind: "postgres"; readonly url: string };

/**
 * Opens the store of a short-lived admin command (`accounts …`, `whatsapp …`): silent,
 * with the domain's writes, and on PostgreSQL one connection and no live following.
 * Throws DataFileError or DatabaseOpenError when the storage cannot be used.
 */
export async function openCommandStore(storage: CommandStorage): Promise<ServerStore> {
  const logger = pino({ enabled: false });
  if (storage.kind === "postgres") {
    return openPostgresStore({
      url: storage.url,
      poolSize: 1,
      logger,
      execute: executeWrite,
      live: false,
    });
  }
  return openSqliteStore({ path: storage.path, logger, execute: executeWrite });
}

/**
 * What is wrong with a `--database` value, or undefined when it is a PostgreSQL URL.
 * The password never appears in the message.
 */
export function databaseUrlProblem(url: string): string | undefined {
  if (/^postgres(ql)?:\/\/./.test(url)) return undefined;
  return `--database must be a PostgreSQL URL such as postgres://user@host:5432/threadline; received ${JSON.stringify(url.replace(/:[^:@/]*@/, ":***@"))}`;
}

/** How a hint names the storage again: `--data FILE` or `--database <url>`. */
export function storageFlag(storage: CommandStorage): string {
  return storage.kind === "postgres" ? "--database <url>" : `--data ${storage.path}`;
}
