import { describe, expect, it } from "vitest";
import { engineNames, hex, useContractEngine } from "./contract-engines.js";

function stored(fingerprint: string, bytes: readonly number[]) {
  return { fingerprint, response: new Uint8Array(bytes) };
}

describe.each(engineNames)("idempotency repository on %s", (engineName) => {
  const engine = useContractEngine(engineName);

  it("finds the first response stored under a key, per account", async () => {
    const { repositories, write } = engine();
    await write((r) => r.idempotency.insert(1, "key-1", stored("fp-a", [1, 2, 0, 255]), 100));
    await write((r) => r.idempotency.insert(2, "key-1", stored("fp-b", [9]), 100));
    const found = await repositories.idempotency.find(1, "key-1");
    expect(
      found === undefined
        ? undefined
        : { fingerprint: found.fingerprint, response: hex(found.response) },
    ).toEqual({ fingerprint: "fp-a", response: "010200ff" });
    expect((await repositories.idempotency.find(2, "key-1"))?.fingerprint).toBe("fp-b");
    expect(await repositories.idempotency.find(1, "key-2")).toBeUndefined();
    expect(await repositories.idempotency.find(3, "key-1")).toBeUndefined();
  });

  it("refuses a second response under the same key and keeps the first", async () => {
    const { repositories, write } = engine();
    await write((r) => r.idempotency.insert(1, "key-1", stored("first", [1]), 100));
    await expect(
      write((r) => r.idempotency.insert(1, "key-1", stored("second", [2]), 200)),
    ).rejects.toThrow();
    expect((await repositories.idempotency.find(1, "key-1"))?.fingerprint).toBe("first");
  });

  it("prunes the keys stored before a time and says how many", async () => {
    const { repositories, write } = engine();
    await write(async (r) => {
      await r.idempotency.insert(1, "old", stored("o", [1]), 100);
      await r.idempotency.insert(2, "older", stored("o", [1]), 50);
      await r.idempotency.insert(1, "edge", stored("e", [1]), 200);
      await r.idempotency.insert(1, "new", stored("n", [1]), 300);
    });
    expect(await write((r) => r.idempotency.pruneBefore(200))).toBe(2);
    expect(await write((r) => r.idempotency.pruneBefore(200))).toBe(0);
    expect(await repositories.idempotency.find(1, "old")).toBeUndefined();
    expect(await repositories.idempotency.find(2, "older")).toBeUndefined();
    expect((await repositories.idempotency.find(1, "edge"))?.fingerprint).toBe("e");
    expect((await repositories.idempotency.find(1, "new"))?.fingerprint).toBe("n");
  });

  it("a rolled-back keyed write stores no key", async () => {
    const { repositories, write } = engine();
    await expect(
      write(async (r) => {
        await r.idempotency.insert(1, "key-1", stored("fp", [1]), 100);
        throw new Error("the keyed write fails");
      }),
    ).rejects.toThrow("the keyed write fails");
    expect(await repositories.idempotency.find(1, "key-1")).toBeUndefined();
  });
});

describe("idempotency repository on postgres, several processes at once", () => {
  const engine = useContractEngine("postgres");

  it("a key raced by several transactions is stored exactly once", async () => {
    const { repositories, write } = engine();
    for (let round = 0; round < 5; round += 1) {
      const key = `raced-${round}`;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 6 }, (_, writer) =>
          write((r) => r.idempotency.insert(1, key, stored(`writer-${writer}`, [writer]), 100)),
        ),
      );
      const winners = outcomes.flatMap((outcome, writer) =>
        outcome.status === "fulfilled" ? [`writer-${writer}`] : [],
      );
      expect(winners).toHaveLength(1);
      expect((await repositories.idempotency.find(1, key))?.fingerprint).toBe(winners[0]);
    }
  });
});
