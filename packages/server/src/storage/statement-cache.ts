import type { Database, Statement } from "better-sqlite3";

const caches = new WeakMap<Database, Map<string, Statement<unknown[], unknown>>>();

/**
 * A prepared statement for `sql` on `db`, prepared once per connection. Hot paths
 * (auth, appends, log pages) call this instead of `db.prepare` on every use.
 */
export function cachedStatement<Parameters extends unknown[], Row = unknown>(
  db: Database,
  sql: string,
): Statement<Parameters, Row> {
  let cache = caches.get(db);
  if (cache === undefined) {
    cache = new Map();
    caches.set(db, cache);
  }
  let statement = cache.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement as Statement<Parameters, Row>;
}
