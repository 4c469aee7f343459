import { createHash, type Hash, randomUUID } from "node:crypto";
import { createReadStream, type ReadStream } from "node:fs";
import { type FileHandle, mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";

/** A file whose bytes are durable on disk, named by the SHA-256 of its content. */
export interface StoredBlob {
  /** Lower-case hex SHA-256 of the bytes; the blob's name. */
  readonly sha256: string;
  readonly size: number;
}

/**
 * Bytes on their way into the store. Nothing of them is visible under a blob name
 * until {@link IncomingBlob.commit} has resolved; {@link IncomingBlob.discard} (or a
 * crash) leaves only a temporary file that the next {@link openAttachmentBlobStore}
 * removes.
 */
export interface IncomingBlob {
  /** Bytes written so far. */
  readonly size: number;
  /** The first bytes written (up to 4 KiB), for sniffing the type. */
  readonly head: Uint8Array;
  /** Appends bytes; writes are serialised, so call again only after this resolves. */
  append(bytes: Uint8Array): Promise<void>;
  /**
   * fsyncs the file, renames it to its content address and fsyncs the directory, so
   * the blob survives a crash from the moment this resolves.
   */
  commit(): Promise<StoredBlob>;
  /** Removes the temporary file. Safe to call more than once and after commit. */
  discard(): Promise<void>;
}

/**
 * Content-addressed attachment files in a directory beside the database:
 * `blobs/<sha256>` for committed files, `incoming/` for uploads in progress.
 */
export interface AttachmentBlobStore {
  readonly directory: string;
  /** Starts a new temporary file. */
  begin(): Promise<IncomingBlob>;
  /** Writes `bytes` as one blob (begin, append, commit). */
  put(bytes: Uint8Array): Promise<StoredBlob>;
  /** Reads a committed blob in chunks of at most `chunkBytes`; the stream pauses when not read. */
  read(sha256: string, chunkBytes: number): ReadStream;
  /**
   * Deletes every temporary file and every blob for which `isReferenced` is false.
   * Run only while no upload is in progress (at startup).
   */
  sweep(isReferenced: (sha256: string) => boolean | Promise<boolean>): Promise<{ removed: number }>;
}

const headBytes = 4096;
const blobName = /^[0-9a-f]{64}$/;

async function fsyncDirectory(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Opens (creating when missing) the blob directory. Blobs are files rather than rows so
 * that a 50 MB upload streams to disk without passing through the single SQLite write
 * connection and its group commits, and equal files are stored once.
 */
export async function openAttachmentBlobStore(directory: string): Promise<AttachmentBlobStore> {
  const blobs = join(directory, "blobs");
  const incoming = join(directory, "incoming");
  await mkdir(blobs, { recursive: true });
  await mkdir(incoming, { recursive: true });

  async function begin(): Promise<IncomingBlob> {
    const temporary = join(incoming, `${randomUUID()}.part`);
    const handle: FileHandle = await open(temporary, "wx");
    const hash: Hash = createHash("sha256");
    let size = 0;
    let head = new Uint8Array(0);
    let closed = false;
    let committed: StoredBlob | undefined;
    const close = async () => {
      if (closed) return;
      closed = true;
      await handle.close();
    };
    return {
      get size() {
        return size;
      },
      get head() {
        return head;
      },
      async append(bytes) {
        if (closed) throw new Error("append after commit or discard");
        if (head.length < headBytes) {
          const next = new Uint8Array(Math.min(headBytes, head.length + bytes.length));
          next.set(head);
          next.set(bytes.subarray(0, next.length - head.length), head.length);
          head = next;
        }
        let written = 0;
        while (written < bytes.length) {
          const result = await handle.write(bytes, written, bytes.length - written);
          written += result.bytesWritten;
        }
        hash.update(bytes);
        size += bytes.length;
      },
      async commit() {
        if (committed !== undefined) return committed;
        await handle.sync();
        await close();
        const sha256 = hash.digest("hex");
        // Renaming over an existing blob is safe: same name, same bytes.
        await rename(temporary, join(blobs, sha256));
        await fsyncDirectory(blobs);
        committed = { sha256, size };
        return committed;
      },
      async discard() {
        await close().catch(() => undefined);
        if (committed === undefined) await rm(temporary, { force: true });
      },
    };
  }

  return {
    directory,
    begin,
    async put(bytes) {
      const blob = await begin();
      try {
        await blob.append(bytes);
        return await blob.commit();
      } finally {
        await blob.discard();
      }
    },
    read(sha256, chunkBytes) {
      if (!blobName.test(sha256)) throw new Error(`not a blob name: ${sha256}`);
      return createReadStream(join(blobs, sha256), { highWaterMark: chunkBytes });
    },
    async sweep(isReferenced) {
      let removed = 0;
      for (const name of await readdir(incoming)) {
        await rm(join(incoming, name), { force: true });
        removed += 1;
      }
      for (const name of await readdir(blobs)) {
        if (blobName.test(name) && (await isReferenced(name))) continue;
        await rm(join(blobs, name), { force: true });
        removed += 1;
      }
      if (removed > 0) {
        await fsyncDirectory(incoming);
        await fsyncDirectory(blobs);
      }
      return { removed };
    },
  };
}
