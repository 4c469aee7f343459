import Database from "better-sqlite3";

/**
 * The bot's own durable record of every handler run, in the same SQLite file as its
 * checkpoint. It is what lets the demo count lost and twice-handled events exactly:
 * a row is committed (fsync'd) before the handler resolves, so a SIGKILL can lose
 * the checkpoint's progress but never a row of work that was done.
 */
export interface HandledJournal {
  /** Records one handled event durably; resolves once the row is committed. */
  record(sequence: number, type: string): Promise<void>;
  /** Records that a bot process started, with the checkpoint it loaded. */
  startRun(initialCheckpoint: number): number;
  readonly database: Database.Database;
  close(): void;
}

/** One bot process's life, as recorded in the journal. */
export interface RunRecord {
  readonly run: number;
  readonly initialCheckpoint: number;
  readonly handled: number;
}

/** What the verification reads back from a journal. */
export interface JournalSummary {
  /** Rows: one per handler run that completed. */
  readonly handled: number;
  /** How many times each sequence was handled. */
  readonly counts: ReadonlyMap<number, number>;
  /** The event types recorded for each sequence (one, unless something is badly wrong). */
  readonly types: ReadonlyMap<number, readonly string[]>;
  readonly runs: readonly RunRecord[];
  /** The checkpoint stored under `key`, or 0. */
  readonly checkpoint: number;
}

/** Opens the bot's database in WAL mode with full fsync, as the checkpoint store does. */
export function openBotDatabase(path: string): Database.Database {
  const database = new Database(path);
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = FULL");
  database.pragma("busy_timeout = 5000");
  database.exec(`CREATE TABLE IF NOT EXISTS demo_handled (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    type TEXT NOT NULL)`);
  database.exec(`CREATE TABLE IF NOT EXISTS demo_runs (
    run INTEGER PRIMARY KEY AUTOINCREMENT,
    initial_checkpoint INTEGER NOT NULL)`);
  return database;
}

/**
 * Creates the journal on an open database. Rows that arrive together are committed in
 * one transaction (one fsync for all of them), so the journal keeps up with a
 * concurrent handler without changing what is durable when.
 */
export function createHandledJournal(database: Database.Database): HandledJournal {
  const insert = database.prepare<[number, number, string]>(
    "INSERT INTO demo_handled (run, sequence, type) VALUES (?, ?, ?)",
  );
  const insertRun = database.prepare<[number]>(
    "INSERT INTO demo_runs (initial_checkpoint) VALUES (?)",
  );
  let run = 0;
  let pending: {
    sequence: number;
    type: string;
    resolve: () => void;
    reject: (error: unknown) => void;
  }[] = [];
  let scheduled = false;
  const commit = database.transaction((rows: typeof pending) => {
    for (const row of rows) insert.run(run, row.sequence, row.type);
  });
  const flush = () => {
    scheduled = false;
    const rows = pending;
    pending = [];
    try {
      commit(rows);
      for (const row of rows) row.resolve();
    } catch (error) {
      for (const row of rows) row.reject(error);
    }
  };
  return {
    database,
    record(sequence, type) {
      return new Promise<void>((resolve, reject) => {
        pending.push({ sequence, type, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    startRun(initialCheckpoint) {
      run = Number(insertRun.run(initialCheckpoint).lastInsertRowid);
      return run;
    },
    close() {
      if (pending.length > 0) flush();
      database.close();
    },
  };
}

/** Reads a journal back (after the bot exited) for the verification table. */
export function readJournal(path: string, checkpointKey: string): JournalSummary {
  const database = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const counts = new Map<number, number>();
    let handled = 0;
    const types = new Map<number, string[]>();
    const rows = database
      .prepare<[], { sequence: number; times: number; types: string }>(
        "SELECT sequence, COUNT(*) AS times, group_concat(DISTINCT type) AS types FROM demo_handled GROUP BY sequence",
      )
      .all();
    for (const row of rows) {
      counts.set(row.sequence, row.times);
      types.set(row.sequence, row.types.split(","));
      handled += row.times;
    }
    const runs = database
      .prepare<[], { run: number; initial_checkpoint: number; handled: number }>(
        `SELECT r.run, r.initial_checkpoint,
           (SELECT COUNT(*) FROM demo_handled h WHERE h.run = r.run) AS handled
         FROM demo_runs r ORDER BY r.run`,
      )
      .all()
      .map((row) => ({
        run: row.run,
        initialCheckpoint: row.initial_checkpoint,
        handled: row.handled,
      }));
    const stored = database
      .prepare<[string], { sequence: number }>(
        "SELECT sequence FROM threadline_checkpoints WHERE key = ?",
      )
      .get(checkpointKey);
    return { handled, counts, types, runs, checkpoint: stored?.sequence ?? 0 };
  } finally {
    database.close();
  }
}
