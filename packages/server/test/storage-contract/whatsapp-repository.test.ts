import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type {
  WhatsAppLogRowToStore,
  WhatsAppNumberRecord,
  WhatsAppNumberToStore,
} from "../../src/storage/repositories/whatsapp-repository.js";
import { engineNames, hex, useContractEngine } from "./contract-engines.js";

function numberToStore(phoneNumberId: string, appSecret = `secret-${phoneNumberId}`) {
  return {
    phoneNumberId,
    accessToken: `token-${phoneNumberId}`,
    appSecret,
    verifyTokenHash: new Uint8Array(32).fill(phoneNumberId.length),
    createdAt: 1_700_000_000_000 + phoneNumberId.length,
  } satisfies WhatsAppNumberToStore;
}

function comparable(record: WhatsAppNumberRecord) {
  return { ...record, verifyTokenHash: hex(record.verifyTokenHash) };
}

function logRow(sequence: number, dedupeKey = `m:wamid.${sequence}`): WhatsAppLogRowToStore {
  return {
    sequence,
    kind: dedupeKey.startsWith("s:") ? 2 : 1,
    dedupeKey,
    recordedAt: 5_000 + sequence,
    payload: new Uint8Array([sequence % 256, 0x00, 0xff]),
  };
}

describe.each(engineNames)("WhatsApp repository on %s", (engineName) => {
  const engine = useContractEngine(engineName);

  it("stores a number with its secrets and finds it by phone_number_id", async () => {
    const { repositories, write } = engine();
    const stored = numberToStore("1234567890");
    const id = await write((r) => r.whatsapp.insertNumber(stored));
    const found = await repositories.whatsapp.findNumber("1234567890");
    expect(found === undefined ? undefined : comparable(found)).toEqual({
      id,
      ...stored,
      verifyTokenHash: hex(stored.verifyTokenHash),
    });
    expect(await repositories.whatsapp.findNumber("999")).toBeUndefined();
  });

  it("lists numbers oldest first and app secrets without duplicates", async () => {
    const { repositories, write } = engine();
    const first = await write((r) => r.whatsapp.insertNumber(numberToStore("111", "shared")));
    const second = await write((r) => r.whatsapp.insertNumber(numberToStore("2222", "shared")));
    const third = await write((r) => r.whatsapp.insertNumber(numberToStore("33333", "own")));
    expect(first).toBeLessThan(second);
    expect(second).toBeLessThan(third);
    expect((await repositories.whatsapp.listNumbers()).map((record) => record.id)).toEqual([
      first,
      second,
      third,
    ]);
    expect((await repositories.whatsapp.listAppSecrets()).sort()).toEqual(["own", "shared"]);
    expect(
      (await repositories.whatsapp.listNumbers()).map((record) => record.phoneNumberId),
    ).toEqual(["111", "2222", "33333"]);
  });

  it("lists nothing when no number is registered", async () => {
    const { repositories } = engine();
    expect(await repositories.whatsapp.listNumbers()).toEqual([]);
    expect(await repositories.whatsapp.listAppSecrets()).toEqual([]);
  });

  it("refuses a second number with the same phone_number_id", async () => {
    const { repositories, write } = engine();
    await write((r) => r.whatsapp.insertNumber(numberToStore("4444")));
    await expect(write((r) => r.whatsapp.insertNumber(numberToStore("4444")))).rejects.toThrow();
    expect(await repositories.whatsapp.listNumbers()).toHaveLength(1);
  });

  it("appends rows after the locked head and reads them back in pages", async () => {
    const { repositories, write } = engine();
    const numberId = await write((r) => r.whatsapp.insertNumber(numberToStore("5555")));
    expect(await repositories.whatsapp.readHead(numberId)).toBe(0);
    await write(async (r) => {
      expect(await r.whatsapp.lockHead(numberId)).toBe(0);
      await r.whatsapp.appendRows(numberId, [logRow(1), logRow(2), logRow(3, "s:wamid.1:read")]);
    });
    expect(await repositories.whatsapp.readHead(numberId)).toBe(3);
    await write(async (r) => {
      expect(await r.whatsapp.lockHead(numberId)).toBe(3);
      await r.whatsapp.appendRows(numberId, [logRow(4)]);
    });
    const page = await repositories.whatsapp.readPage(numberId, 1, 4, 2);
    expect(page.map((row) => ({ sequence: row.sequence, payload: hex(row.payload) }))).toEqual([
      { sequence: 2, payload: hex(logRow(2).payload) },
      { sequence: 3, payload: hex(logRow(3).payload) },
    ]);
    expect(
      (await repositories.whatsapp.readPage(numberId, 0, 3, 10)).map((row) => row.sequence),
    ).toEqual([1, 2, 3]);
    expect(await repositories.whatsapp.readPage(numberId, 4, 10, 10)).toEqual([]);
    expect(await repositories.whatsapp.readPage(numberId + 1, 0, 10, 10)).toEqual([]);
  });

  it("appending no rows changes nothing", async () => {
    const { repositories, write } = engine();
    const numberId = await write((r) => r.whatsapp.insertNumber(numberToStore("6666")));
    await write(async (r) => {
      await r.whatsapp.lockHead(numberId);
      await r.whatsapp.appendRows(numberId, []);
    });
    expect(await repositories.whatsapp.readHead(numberId)).toBe(0);
    expect(await repositories.whatsapp.readPage(numberId, 0, 10, 10)).toEqual([]);
  });

  it("finds which dedupe keys a number's log holds, per number", async () => {
    const { repositories, write } = engine();
    const numberId = await write((r) => r.whatsapp.insertNumber(numberToStore("7777")));
    const otherId = await write((r) => r.whatsapp.insertNumber(numberToStore("8888")));
    await write((r) =>
      r.whatsapp.appendRows(numberId, [logRow(1, "m:a"), logRow(2, "s:a:delivered")]),
    );
    expect(
      (
        await repositories.whatsapp.findDedupeKeys(numberId, ["m:b", "s:a:delivered", "m:a"])
      ).sort(),
    ).toEqual(["m:a", "s:a:delivered"]);
    expect(await repositories.whatsapp.findDedupeKeys(otherId, ["m:a"])).toEqual([]);
    expect(await repositories.whatsapp.findDedupeKeys(numberId, [])).toEqual([]);
  });

  it("refuses a dedupe key or a sequence the number's log holds already", async () => {
    const { repositories, write } = engine();
    const numberId = await write((r) => r.whatsapp.insertNumber(numberToStore("9999")));
    await write((r) => r.whatsapp.appendRows(numberId, [logRow(1, "m:a")]));
    await expect(
      write((r) => r.whatsapp.appendRows(numberId, [logRow(2, "m:a")])),
    ).rejects.toThrow();
    await expect(
      write((r) => r.whatsapp.appendRows(numberId, [logRow(1, "m:b")])),
    ).rejects.toThrow();
    expect(await repositories.whatsapp.readHead(numberId)).toBe(1);
    expect(
      (await repositories.whatsapp.readPage(numberId, 0, 10, 10)).map((row) => row.sequence),
    ).toEqual([1]);
  });

  it("deletes a number with its log and head, and says false for an unknown one", async () => {
    const { repositories, write } = engine();
    const numberId = await write((r) => r.whatsapp.insertNumber(numberToStore("1010")));
    const keptId = await write((r) => r.whatsapp.insertNumber(numberToStore("2020")));
    await write((r) => r.whatsapp.appendRows(numberId, [logRow(1), logRow(2)]));
    await write((r) => r.whatsapp.appendRows(keptId, [logRow(1)]));
    expect(await write((r) => r.whatsapp.deleteNumber("1010"))).toBe(true);
    expect(await write((r) => r.whatsapp.deleteNumber("1010"))).toBe(false);
    expect(await repositories.whatsapp.findNumber("1010")).toBeUndefined();
    expect(await repositories.whatsapp.readHead(numberId)).toBe(0);
    expect(await repositories.whatsapp.readPage(numberId, 0, 10, 10)).toEqual([]);
    expect(await repositories.whatsapp.findDedupeKeys(numberId, ["m:wamid.1"])).toEqual([]);
    expect(await repositories.whatsapp.readHead(keptId)).toBe(1);
  });

  it("a rolled-back append leaves head and log as they were", async () => {
    const { repositories, write } = engine();
    const numberId = await write((r) => r.whatsapp.insertNumber(numberToStore("3030")));
    await expect(
      write(async (r) => {
        await r.whatsapp.lockHead(numberId);
        await r.whatsapp.appendRows(numberId, [logRow(1)]);
        throw new Error("the webhook write fails");
      }),
    ).rejects.toThrow("the webhook write fails");
    expect(await repositories.whatsapp.readHead(numberId)).toBe(0);
    expect(await repositories.whatsapp.readPage(numberId, 0, 10, 10)).toEqual([]);
  });

  it("appends in batches keep the log contiguous and deduplicated (property)", async () => {
    const { repositories, write } = engine();
    let phone = 100_000;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 15 }), { maxLength: 6 }), { maxLength: 6 }),
        async (batches) => {
          phone += 1;
          const numberId = await write((r) =>
            r.whatsapp.insertNumber(numberToStore(String(phone))),
          );
          const stored: string[] = [];
          for (const batch of batches) {
            await write(async (r) => {
              const head = await r.whatsapp.lockHead(numberId);
              const keys = batch.map((wamid) => `m:${wamid}`);
              const held = new Set(await r.whatsapp.findDedupeKeys(numberId, keys));
              const fresh = [...new Set(keys)].filter((key) => !held.has(key));
              await r.whatsapp.appendRows(
                numberId,
                fresh.map((key, index) => logRow(head + 1 + index, key)),
              );
              stored.push(...fresh);
            });
          }
          expect(await repositories.whatsapp.readHead(numberId)).toBe(stored.length);
          expect(new Set(stored).size).toBe(stored.length);
          const page = await repositories.whatsapp.readPage(numberId, 0, stored.length, 1_000);
          expect(page.map((row) => row.sequence)).toEqual(stored.map((_, index) => index + 1));
          expect((await repositories.whatsapp.findDedupeKeys(numberId, stored)).sort()).toEqual(
            [...stored].sort(),
          );
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("WhatsApp repository on postgres, several processes at once", () => {
  const engine = useContractEngine("postgres");

  it("lockHead serialises concurrent appends to one number: every write lands, sequences stay contiguous (property)", async () => {
    const { repositories, write } = engine();
    let phone = 200_000;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 6 }),
        async (batchSizes) => {
          phone += 1;
          const numberId = await write((r) =>
            r.whatsapp.insertNumber(numberToStore(String(phone))),
          );
          // Each write runs on its own pooled connection, like a webhook in another process.
          await Promise.all(
            batchSizes.map((size, writer) =>
              write(async (r) => {
                const head = await r.whatsapp.lockHead(numberId);
                await r.whatsapp.appendRows(
                  numberId,
                  Array.from({ length: size }, (_, index) =>
                    logRow(head + 1 + index, `m:writer${writer}.${index}`),
                  ),
                );
              }),
            ),
          );
          const total = batchSizes.reduce((sum, size) => sum + size, 0);
          expect(await repositories.whatsapp.readHead(numberId)).toBe(total);
          const page = await repositories.whatsapp.readPage(numberId, 0, total, 1_000);
          expect(page.map((row) => row.sequence)).toEqual(
            Array.from({ length: total }, (_, index) => index + 1),
          );
        },
      ),
      { numRuns: 15 },
    );
  });
});
