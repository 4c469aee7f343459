import type { Database } from "better-sqlite3";
import { domainSchema } from "./domain-schema.js";
import { platformMigrations } from "./platform-schema.js";
import { whatsappSchema } from "./whatsapp-schema.js";

interface VersionRow {
  readonly version: number;
}

function currentVersion(db: Database, component: string): number {
  const row = db
    .prepare<[string], VersionRow>("SELECT version FROM schema_version WHERE component = ?")
    .get(component);
  return row?.version ?? 0;
}

function setVersion(db: Database, component: string, version: number): void {
  db.prepare(
    "INSERT INTO schema_version (component, version) VALUES (?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version",
  ).run(component, version);
}

/**
 * Brings the schema up to date in one transaction: the platform migrations (one
 * version per entry), then the domain schema and the WhatsApp schema (one version per
 * statement each, so those lists only ever grow). Throws when the file was written by a newer server.
 */
export function migrate(db: Database): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
  );
  db.transaction(() => {
    const platformVersion = currentVersion(db, "platform");
    if (platformVersion > platformMigrations.length) {
      throw new Error(
        `the database has platform schema version ${platformVersion}, newer than this server knows (${platformMigrations.length}); upgrade @threadline/server`,
      );
    }
    for (let version = platformVersion; version < platformMigrations.length; version += 1) {
      for (const statement of platformMigrations[version] ?? []) db.exec(statement);
    }
    setVersion(db, "platform", platformMigrations.length);

    const domainVersion = currentVersion(db, "domain");
    if (domainVersion > domainSchema.length) {
      throw new Error(
        `the database has domain schema version ${domainVersion}, newer than this server knows (${domainSchema.length}); upgrade @threadline/server`,
      );
    }
    for (let index = domainVersion; index < domainSchema.length; index += 1) {
      const statement = domainSchema[index];
      if (statement !== undefined) db.exec(statement);
    }
    setVersion(db, "domain", domainSchema.length);

    const whatsappVersion = currentVersion(db, "whatsapp");
    if (whatsappVersion > whatsappSchema.length) {
      throw new Error(
        `the database has whatsapp schema version ${whatsappVersion}, newer than this server knows (${whatsappSchema.length}); upgrade @threadline/server`,
      );
    }
    for (let index = whatsappVersion; index < whatsappSchema.length; index += 1) {
      const statement = whatsappSchema[index];
      if (statement !== undefined) db.exec(statement);
    }
    setVersion(db, "whatsapp", whatsappSchema.length);
  })();
}
