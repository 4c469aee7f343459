import { randomUUID } from "node:crypto";
import type { Account } from "../auth/account.js";
import { invalidArgument, notFound } from "../errors/common-errors.js";
import { ServerError } from "../errors/server-error.js";
import type { AttachmentBlobStore, IncomingBlob } from "../storage/attachment-blob-store.js";
import {
  type CompletedUpload,
  checkAttachmentSize,
  checkNotEmpty,
} from "./attachment-operations.js";

/** Largest chunk one AppendAttachmentChunk may carry: 4 MiB. */
export const maxUploadChunkBytes = 4 * 1024 * 1024;

/** Uploads one account may have open at once. */
export const maxOpenUploadsPerAccount = 16;

/** An upload left alone this long is dropped with its temporary files. */
export const uploadIdleTimeoutMs = 10 * 60 * 1000;

interface Session {
  readonly id: string;
  readonly accountId: number;
  readonly fileName: string;
  readonly companionKind: number | null;
  readonly primary: IncomingBlob;
  readonly companion: IncomingBlob | null;
  lastActivity: number;
  // Appends of one session run one after another; a finish waits for them.
  queue: Promise<unknown>;
  finished: boolean;
}

/**
 * Uploads in chunks (threadline.v1.AttachmentUploadService) that have started and not
 * finished. Their bytes go straight to temporary files, so memory holds one chunk per
 * call; nothing is visible until {@link UploadSessions.finish} and the caller's
 * metadata write. Sessions live in memory: a restart drops them (and the blob store's
 * sweep removes their files), and the client starts over.
 */
export interface UploadSessions {
  start(account: Account, fileName: string, companionKind: number | null): Promise<string>;
  /** Appends at `offset` (the bytes held so far); returns the bytes held afterwards. */
  append(
    account: Account,
    uploadId: string,
    offset: number,
    data: Uint8Array,
    companion: boolean,
  ): Promise<number>;
  /** Makes the files durable and ends the session; the caller records the upload. */
  finish(account: Account, uploadId: string): Promise<CompletedUpload>;
  /** Drops every session and its temporary files. */
  close(): Promise<void>;
  /** Sessions open now. */
  readonly size: number;
}

/** Creates the session registry over a blob store. */
export function createUploadSessions(options: {
  readonly blobs: AttachmentBlobStore;
  readonly maxAttachmentBytes: number;
  readonly idleTimeoutMs?: number;
  readonly now?: () => number;
}): UploadSessions {
  const { blobs, maxAttachmentBytes } = options;
  const idleTimeoutMs = options.idleTimeoutMs ?? uploadIdleTimeoutMs;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, Session>();

  const drop = async (session: Session) => {
    sessions.delete(session.id);
    await Promise.all([session.primary.discard(), session.companion?.discard()]);
  };
  const sweepTimer = setInterval(
    () => {
      const cutoff = now() - idleTimeoutMs;
      for (const session of sessions.values()) {
        if (session.lastActivity < cutoff && !session.finished) void drop(session);
      }
    },
    Math.min(idleTimeoutMs, 60_000),
  );
  sweepTimer.unref();

  function owned(account: Account, uploadId: string): Session {
    const session = sessions.get(uploadId);
    if (session === undefined || session.accountId !== account.id || session.finished) {
      throw notFound(
        `upload ${JSON.stringify(uploadId.slice(0, 64))} is not open for this account: it finished, expired after ${idleTimeoutMs / 60_000} minutes idle, was dropped by a server restart, or never existed; start a new upload`,
      );
    }
    session.lastActivity = now();
    return session;
  }

  function enqueue<T>(session: Session, step: () => Promise<T>): Promise<T> {
    const result = session.queue.then(step);
    session.queue = result.catch(() => undefined);
    return result;
  }

  return {
    get size() {
      return sessions.size;
    },
    async start(account, fileName, companionKind) {
      let open = 0;
      for (const session of sessions.values()) if (session.accountId === account.id) open += 1;
      if (open >= maxOpenUploadsPerAccount) {
        throw new ServerError(
          "RESOURCE_EXHAUSTED",
          `this account has ${open} uploads open, the most allowed; finish or abandon one (abandoned uploads expire after ${idleTimeoutMs / 60_000} minutes)`,
          { retryable: true },
        );
      }
      const primary = await blobs.begin();
      const companion = companionKind === null ? null : await blobs.begin();
      const id = randomUUID();
      sessions.set(id, {
        id,
        accountId: account.id,
        fileName,
        companionKind,
        primary,
        companion,
        lastActivity: now(),
        queue: Promise.resolve(),
        finished: false,
      });
      return id;
    },
    append(account, uploadId, offset, data, companion) {
      const session = owned(account, uploadId);
      const target = companion ? session.companion : session.primary;
      if (target === null) {
        throw invalidArgument(
          "companion is true, but this upload was started without companion_kind; start the upload with the companion's kind",
          { field: "companion" },
        );
      }
      if (data.length === 0) {
        throw invalidArgument("data is empty; a chunk carries at least one byte", {
          field: "data",
        });
      }
      if (data.length > maxUploadChunkBytes) {
        throw new ServerError(
          "PAYLOAD_TOO_LARGE",
          `the chunk is ${data.length} bytes; chunks may be at most ${maxUploadChunkBytes} bytes`,
          { field: "data" },
        );
      }
      return enqueue(session, async () => {
        // The chunk that ended at the current size was applied already: a retry.
        if (offset + data.length === target.size && offset < target.size) return target.size;
        if (offset !== target.size) {
          throw new ServerError(
            "FAILED_PRECONDITION",
            `offset is ${offset}, but the server holds ${target.size} bytes of this ${companion ? "companion" : "file"}; append at offset ${target.size}`,
            { field: "offset", trailers: { "received-bytes": String(target.size) } },
          );
        }
        const total = session.primary.size + (session.companion?.size ?? 0) + data.length;
        checkAttachmentSize(total, maxAttachmentBytes);
        await target.append(data);
        return target.size;
      });
    },
    finish(account, uploadId) {
      const session = owned(account, uploadId);
      return enqueue(session, async () => {
        checkNotEmpty(session.primary.size, "data");
        if (session.companion !== null) checkNotEmpty(session.companion.size, "companion.data");
        session.finished = true;
        try {
          const primary = { blob: await session.primary.commit(), head: session.primary.head };
          const companion =
            session.companion === null || session.companionKind === null
              ? null
              : {
                  blob: await session.companion.commit(),
                  head: session.companion.head,
                  kind: session.companionKind,
                };
          return { fileName: session.fileName, primary, companion };
        } finally {
          await drop(session);
        }
      });
    },
    async close() {
      clearInterval(sweepTimer);
      await Promise.all([...sessions.values()].map(drop));
    },
  };
}
