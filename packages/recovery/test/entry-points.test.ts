import { describe, expect, it } from "vitest";

describe("entry points", () => {
  it("the main entry exports exactly the documented runtime names", async () => {
    const main = await import("../src/index.js");
    expect(Object.keys(main).sort()).toEqual([
      "CheckpointStoreError",
      "HandlerFailedError",
      "QueueClosedError",
      "RecoveryError",
      "createCheckpointQueue",
      "createMemoryCheckpointStore",
      "recover",
      "recoverFrom",
    ]);
  });

  it("each storage subpath exports its factory only", async () => {
    expect(Object.keys(await import("../src/file.js"))).toEqual(["createFileCheckpointStore"]);
    expect(Object.keys(await import("../src/sqlite.js"))).toEqual(["createSqliteCheckpointStore"]);
    expect(Object.keys(await import("../src/postgres.js"))).toEqual([
      "createPostgresCheckpointStore",
    ]);
    expect(Object.keys(await import("../src/redis.js"))).toEqual(["createRedisCheckpointStore"]);
  });
});
