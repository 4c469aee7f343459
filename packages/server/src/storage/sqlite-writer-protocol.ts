import type { TransferredError } from "../errors/error-transfer.js";
import type { LoggedEvent } from "./repositories/event-log-repository.js";
import type { WriteRequest } from "./write-context.js";

/** What the main thread tells SQLite's writer thread when it starts it (`workerData`). */
export interface WriterThreadSettings {
  /** The data file, already created and migrated by the main thread. */
  readonly path: string;
  readonly maxEvents: number | undefined;
  readonly busyTimeoutMs: number;
  /** `wal_autocheckpoint` of the write connection until told otherwise. */
  readonly autocheckpointPages: number;
}

/** Messages from the main thread to the writer thread. */
export type ToWriterThread =
  /** Named writes, in the order they were made; each settles by its id. */
  | {
      readonly kind: "writes";
      readonly writes: readonly { readonly id: number; readonly request: WriteRequest }[];
    }
  /** Sets the write connection's `wal_autocheckpoint` (the background checkpointer runs or stopped). */
  | { readonly kind: "autocheckpoint"; readonly pages: number }
  /** Commit everything queued, close the connection and end the thread. */
  | { readonly kind: "close" };

/** How one write ended, as it crosses back to the main thread. */
export type TransferredOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: TransferredError };

/** Messages from the writer thread to the main thread. */
export type FromWriterThread =
  /** The write connection is open; writes posted before this were queued meanwhile. */
  | { readonly kind: "ready" }
  /** The write connection could not be opened; the thread ends. */
  | { readonly kind: "failed"; readonly error: TransferredError }
  /**
   * One durable COMMIT: an outcome per id, the events it appended in commit order, and
   * how long the batch took in the writer thread.
   */
  | {
      readonly kind: "committed";
      readonly ids: readonly number[];
      readonly outcomes: readonly TransferredOutcome[];
      readonly events: readonly LoggedEvent[];
      readonly seconds: number;
    }
  /** Writes refused as a whole (lock held too long, the batch failed): nothing stored. */
  | { readonly kind: "refused"; readonly ids: readonly number[]; readonly error: TransferredError }
  | { readonly kind: "availability"; readonly available: boolean }
  | {
      readonly kind: "log";
      readonly fields: Readonly<Record<string, unknown>>;
      readonly message: string;
    }
  /** Every queued write is settled and the connection is closed; the thread ends. */
  | { readonly kind: "closed" };
