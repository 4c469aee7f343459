import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { engineNames, hex, useContractEngine } from "./contract-engines.js";

const hashA = new Uint8Array(32).fill(0xa1);
const hashB = new Uint8Array(32).fill(0xb2);

describe.each(engineNames)("account repository on %s", (engineName) => {
  const engine = useContractEngine(engineName);

  it("finds an inserted account with its addresses in order, the first one primary", async () => {
    const { repositories, write } = engine();
    const id = await write((r) =>
      r.accounts.insert(["bob@example.com", "+15550000001", "bobby@example.com"], 1_000),
    );
    expect(await repositories.accounts.find(id)).toEqual({
      id,
      addresses: ["bob@example.com", "+15550000001", "bobby@example.com"],
      primaryAddress: "bob@example.com",
    });
  });

  it("answers undefined for an unknown account and for one without an address", async () => {
    const { repositories, write } = engine();
    const withoutAddresses = await write((r) => r.accounts.insert([], 1_000));
    expect(await repositories.accounts.find(withoutAddresses + 1000)).toBeUndefined();
    expect(await repositories.accounts.find(withoutAddresses)).toBeUndefined();
    expect(await repositories.accounts.list()).toEqual([]);
  });

  it("gives every account a new id, and lists them oldest first with token counts", async () => {
    const { repositories, write } = engine();
    const first = await write((r) => r.accounts.insert(["a@example.com"], 10));
    const second = await write((r) => r.accounts.insert(["b@example.com", "+15550000002"], 20));
    expect(second).toBeGreaterThan(first);
    await write(async (r) => {
      await r.accounts.insertToken(second, { lookupKey: "00aa", hash: hashA }, 30);
      await r.accounts.insertToken(second, { lookupKey: "00bb", hash: hashB }, 31);
    });
    expect(await repositories.accounts.count()).toBe(2);
    expect(await repositories.accounts.list()).toEqual([
      {
        id: first,
        addresses: ["a@example.com"],
        primaryAddress: "a@example.com",
        createdAt: 10,
        tokenCount: 0,
      },
      {
        id: second,
        addresses: ["b@example.com", "+15550000002"],
        primaryAddress: "b@example.com",
        createdAt: 20,
        tokenCount: 2,
      },
    ]);
  });

  it("counts zero accounts in an empty database", async () => {
    expect(await engine().repositories.accounts.count()).toBe(0);
  });

  it("finds address owners in the order asked, leaving out addresses nobody owns", async () => {
    const { repositories, write } = engine();
    const alice = await write((r) => r.accounts.insert(["alice@example.com", "+15550000003"], 1));
    const carol = await write((r) => r.accounts.insert(["carol@example.com"], 2));
    expect(
      await repositories.accounts.findOwners([
        "carol@example.com",
        "nobody@example.com",
        "+15550000003",
        "alice@example.com",
      ]),
    ).toEqual([
      { address: "carol@example.com", accountId: carol },
      { address: "+15550000003", accountId: alice },
      { address: "alice@example.com", accountId: alice },
    ]);
    expect(await repositories.accounts.findOwners([])).toEqual([]);
  });

  it("refuses an address another account owns, and the failed write leaves nothing", async () => {
    const { repositories, write } = engine();
    await write((r) => r.accounts.insert(["dave@example.com"], 1));
    await expect(
      write((r) => r.accounts.insert(["erin@example.com", "dave@example.com"], 2)),
    ).rejects.toThrow();
    expect(await repositories.accounts.count()).toBe(1);
    expect(await repositories.accounts.findOwners(["erin@example.com"])).toEqual([]);
  });

  it("stores token hashes under their lookup key and deletes an account's tokens", async () => {
    const { repositories, write } = engine();
    const frank = await write((r) => r.accounts.insert(["frank@example.com"], 1));
    const grace = await write((r) => r.accounts.insert(["grace@example.com"], 2));
    await write(async (r) => {
      await r.accounts.insertToken(frank, { lookupKey: "shared", hash: hashA }, 3);
      await r.accounts.insertToken(grace, { lookupKey: "shared", hash: hashB }, 4);
      await r.accounts.insertToken(frank, { lookupKey: "other", hash: hashB }, 5);
    });
    const shared = await repositories.accounts.findTokens("shared");
    expect(
      shared
        .map((token) => ({ accountId: token.accountId, hash: hex(token.hash) }))
        .sort((left, right) => left.accountId - right.accountId),
    ).toEqual([
      { accountId: frank, hash: hex(hashA) },
      { accountId: grace, hash: hex(hashB) },
    ]);
    expect(await repositories.accounts.findTokens("missing")).toEqual([]);
    expect(await write((r) => r.accounts.deleteTokens(frank))).toBe(2);
    expect(await write((r) => r.accounts.deleteTokens(frank))).toBe(0);
    expect(
      (await repositories.accounts.findTokens("shared")).map((token) => token.accountId),
    ).toEqual([grace]);
  });

  it("refuses a token for an account that does not exist", async () => {
    const { repositories, write } = engine();
    await expect(
      write((r) => r.accounts.insertToken(999, { lookupKey: "k", hash: hashA }, 1)),
    ).rejects.toThrow();
    expect(await repositories.accounts.findTokens("k")).toEqual([]);
  });

  it("rolls back everything a write did when it throws", async () => {
    const { repositories, write } = engine();
    await expect(
      write(async (r) => {
        const id = await r.accounts.insert(["henry@example.com"], 1);
        await r.accounts.insertToken(id, { lookupKey: "k", hash: hashA }, 1);
        throw new Error("the write fails after its inserts");
      }),
    ).rejects.toThrow("the write fails after its inserts");
    expect(await repositories.accounts.count()).toBe(0);
    expect(await repositories.accounts.findTokens("k")).toEqual([]);
  });

  it("findOwners answers exactly the owned addresses, in the order asked (property)", async () => {
    const { repositories, write } = engine();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { maxLength: 3 }), {
          maxLength: 4,
        }),
        fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 8 }),
        async (accountsAddresses, asked) => {
          run += 1;
          const address = (n: number) => `user${n}.run${run}@example.com`;
          const owner = new Map<string, number>();
          for (const numbers of accountsAddresses) {
            const free = numbers.map(address).filter((candidate) => !owner.has(candidate));
            const id = await write((r) => r.accounts.insert(free, run));
            for (const candidate of free) owner.set(candidate, id);
          }
          const askedAddresses = asked.map(address);
          const expected = askedAddresses.flatMap((candidate) => {
            const accountId = owner.get(candidate);
            return accountId === undefined ? [] : [{ address: candidate, accountId }];
          });
          expect(await repositories.accounts.findOwners(askedAddresses)).toEqual(expected);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("account repository on postgres, several processes at once", () => {
  const engine = useContractEngine("postgres");

  it("concurrent token rotations of one account leave exactly one token", async () => {
    const { repositories, write } = engine();
    const id = await write((r) => r.accounts.insert(["rotating@example.com"], 1));
    await write((r) => r.accounts.insertToken(id, { lookupKey: "first", hash: hashA }, 1));
    const rotations = 6;
    await Promise.all(
      Array.from({ length: rotations }, (_, rotation) =>
        write(async (r) => {
          await r.accounts.deleteTokens(id);
          await r.accounts.insertToken(id, { lookupKey: `rotation-${rotation}`, hash: hashB }, 2);
        }),
      ),
    );
    const [listing] = await repositories.accounts.list();
    expect(listing?.tokenCount).toBe(1);
  });
});
