import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "better-sqlite3";

/**
 * A disk that can be filled and freed. Where we may mount (root), a 2 MiB tmpfs filled
 * with a filler file: a real ENOSPC under SQLite's file and WAL. Elsewhere SQLite's
 * `max_page_count`, which makes the same SQLITE_FULL without a mount.
 */
export interface SmallDisk {
  readonly kind: "tmpfs" | "max_page_count";
  /** Put data files here. */
  readonly directory: string;
  /** Leaves no room to grow `database` (the open data file). */
  fill(database: Database): void;
  /** Gives the room back. */
  free(database: Database): void;
  /** Unmounts and removes the directory. */
  dispose(): void;
}

function tryMountTmpfs(directory: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", directory], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

/** Opens a {@link SmallDisk} in a new temporary directory. */
export function openSmallDisk(): SmallDisk {
  const directory = mkdtempSync(join(tmpdir(), "threadline-full-disk-"));
  const filler = join(directory, "filler");
  let filled = false;
  if (tryMountTmpfs(directory)) {
    return {
      kind: "tmpfs",
      directory,
      fill() {
        if (filled) return;
        filled = true;
        const fd = openSync(filler, "a");
        const chunk = Buffer.alloc(4096, 1);
        try {
          for (;;) writeSync(fd, chunk);
        } catch (error) {
          if (!(error instanceof Error && Reflect.get(error, "code") === "ENOSPC")) throw error;
        } finally {
          closeSync(fd);
        }
      },
      free() {
        filled = false;
        rmSync(filler, { force: true });
      },
      dispose() {
        execFileSync("umount", [directory]);
        rmSync(directory, { recursive: true, force: true });
      },
    };
  }
  return {
    kind: "max_page_count",
    directory,
    fill(database) {
      const pages = database.pragma("page_count", { simple: true });
      database.pragma(`max_page_count = ${Number(pages)}`);
    },
    free(database) {
      database.pragma("max_page_count = 1073741823");
    },
    dispose() {
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
