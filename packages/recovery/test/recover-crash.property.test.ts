import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type DomainEvent } from "@threadline/core";
import { ChatServiceDefinition, MessageServiceDefinition, photon } from "@threadline/protocol";
import { startTestServer } from "@threadline/server/testing";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckpointStore } from "../src/checkpoint-store.js";
import { recover } from "../src/recover.js";
import { createSqliteCheckpointStore } from "../src/sqlite-checkpoint-store.js";

const directory = mkdtempSync(join(tmpdir(), "threadline-recover-crash-"));
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe("recover() across crashes, against a real server", () => {
  it("handles every event at least once, never twice in one life, never again at or below the checkpoint", async () => {
    await using server = await startTestServer();
    const alice = await server.accounts.create(["alice@example.com"]);
    await server.accounts.create(["bob@example.com"]);
    const writer = createClient({ address: server.address, token: alice.token });
    let chatGuid: string | undefined;
    let written = 0;
    const write = async (): Promise<void> => {
      written++;
      if (chatGuid === undefined) {
        const created = await writer.context.unary(
          ChatServiceDefinition.createChat,
          {
            addresses: ["bob@example.com"],
            service: photon.imessage.v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE,
            initialMessage: { text: `message ${written}` },
          },
          { mutating: true },
        );
        chatGuid = created.chat?.guid;
        return;
      }
      await writer.context.unary(
        MessageServiceDefinition.sendTextMessage,
        { chatGuid, text: `message ${written}` },
        { mutating: true },
      );
    };
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 3 }),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 0, max: 6 }),
          fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 16, maxLength: 16 }),
          async (crashAfters, concurrency, liveWrites, latencies) => {
            run++;
            const path = join(directory, `run-${run}.db`);
            const completed = new Set<number>();
            const violations: string[] = [];
            for (let index = 0; index < 4; index++) await write();

            const life = async (crashAfter: number | undefined): Promise<void> => {
              const database = createSqliteCheckpointStore({ database: path });
              const loaded = (await database.load("bot")) ?? 0;
              let alive = true;
              const store: CheckpointStore = {
                load: (key) => database.load(key),
                async save(key, sequence) {
                  if (!alive) return;
                  for (let below = loaded + 1; below <= sequence; below++) {
                    if (!completed.has(below))
                      violations.push(`saved ${sequence} past unfinished ${below}`);
                  }
                  const stored = (await database.load(key)) ?? 0;
                  if (sequence <= stored) violations.push(`save ${sequence} not above ${stored}`);
                  await database.save(key, sequence);
                },
              };
              const handledHere = new Set<number>();
              let crash = (): void => undefined;
              const crashed = new Promise<void>((resolve) => {
                crash = resolve;
              });
              const client = createClient({ address: server.address, token: alice.token });
              const recovery = await recover({
                client,
                store,
                key: "bot",
                concurrency,
                flushIntervalMs: 1,
                maxUnsavedEvents: 2,
                handler: async (event: DomainEvent) => {
                  if (!alive) return;
                  if (event.sequence <= loaded)
                    violations.push(`${event.sequence} <= loaded ${loaded}`);
                  if (handledHere.has(event.sequence)) violations.push(`${event.sequence} twice`);
                  handledHere.add(event.sequence);
                  const latency = latencies[event.sequence % latencies.length] ?? 0;
                  if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
                  if (!alive) return;
                  completed.add(event.sequence);
                  if (crashAfter !== undefined && handledHere.size >= crashAfter) crash();
                },
              });
              if (crashAfter === undefined) {
                await recovery.caughtUp;
                for (let index = 0; index < liveWrites; index++) await write();
                const head = (await writer.events.getLogInfo()).headSequence;
                while (recovery.progress().checkpoint < head) {
                  await new Promise((resolve) => setTimeout(resolve, 5));
                }
                await recovery.close();
              } else {
                await Promise.race([crashed, recovery.caughtUp.catch(() => undefined)]);
                // The process dies here: nothing it does from now on is durable.
                alive = false;
                await recovery.close().catch(() => undefined);
              }
              await client.close();
              await database.close();
            };

            for (const crashAfter of crashAfters) await life(crashAfter);
            await life(undefined);

            expect(violations).toEqual([]);
            const head = (await writer.events.getLogInfo()).headSequence;
            for (let sequence = 1; sequence <= head; sequence++) {
              expect(completed.has(sequence), `sequence ${sequence}`).toBe(true);
            }
            const final = createSqliteCheckpointStore({ database: path });
            expect(await final.load("bot")).toBe(head);
            await final.close();
          },
        ),
        { numRuns: 8 },
      );
    } finally {
      await writer.close();
    }
  });
});
