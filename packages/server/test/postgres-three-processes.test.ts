import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceError } from "@grpc/grpc-js";
import {
  ChatServiceDefinition,
  EventServiceDefinition,
  MessageServiceDefinition,
  type photon,
} from "@threadline/protocol";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertCliBuilt,
  runCli,
  type ServerProcess,
  startServerProcess,
} from "./support/cli-process.js";
import { collect, createRawClient, type RawClient } from "./support/grpc-client.js";
import { type LiveRecorder, recordLive } from "./support/live-recorder.js";
import {
  createScratchDatabase,
  postgresReachable,
  type ScratchDatabase,
} from "./support/postgres-scratch.js";

const reachable = await postgresReachable();

type CatchUpFrame = photon.imessage.v1.CatchUpEventsResponse;
type MessageResponse = photon.imessage.v1.MessageResponse;

async function createAccount(url: string, address: string): Promise<string> {
  const result = await runCli(["accounts", "add", address, "--database", url]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

describe.runIf(reachable)("three server processes on one PostgreSQL database", () => {
  let database: ScratchDatabase;
  let directory: string;
  const processes: ServerProcess[] = [];
  beforeAll(async () => {
    assertCliBuilt();
    database = await createScratchDatabase();
    directory = await mkdtemp(join(tmpdir(), "threadline-three-"));
  });
  afterAll(async () => {
    for (const server of processes) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill("SIGTERM");
        await server.exited;
      }
    }
    await database?.drop();
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it("writers on random processes: every process's live subscribers see every event in order, and after kill -9 of one every acknowledged write is there", async () => {
    const aliceToken = await createAccount(database.url, "alice@example.com");
    const bobToken = await createAccount(database.url, "bob@example.com");
    const listed = await runCli(["accounts", "list", "--database", database.url]);
    expect(listed.stdout).toContain("alice@example.com");
    expect(listed.stdout).toContain("bob@example.com");
    // Every head update sleeps up to 3 ms before its transaction goes on to insert the
    // events and COMMIT: wide windows for a commit inversion, if sequences allowed one.
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query(`CREATE FUNCTION threadline_test_delay() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN PERFORM pg_sleep(random() * 0.003); RETURN NULL; END $$`);
      await admin.query(
        "CREATE TRIGGER threadline_test_delay AFTER INSERT OR UPDATE ON log_heads FOR EACH ROW EXECUTE FUNCTION threadline_test_delay()",
      );
    } finally {
      await admin.end();
    }

    for (let index = 0; index < 3; index += 1) {
      processes.push(
        await startServerProcess([
          "--database",
          database.url,
          "--database-pool-size",
          "2",
          "--data",
          join(directory, `process-${index}`),
          "--port",
          "0",
        ]),
      );
    }
    const clients: RawClient[] = [];
    const client = (
      server: ServerProcess,
      definition: Parameters<typeof createRawClient>[1],
      token: string,
    ) => {
      const created = createRawClient(server.address, definition, token);
      clients.push(created);
      return created;
    };
    const lives: LiveRecorder[] = processes.map((server) =>
      recordLive(
        client(server, MessageServiceDefinition, bobToken).stream("subscribeMessageEvents", {}),
        "single",
      ),
    );
    try {
      await Promise.all(lives.map((live) => live.headers));
      const created = await client(
        processes[0] as ServerProcess,
        ChatServiceDefinition,
        aliceToken,
      ).unary<photon.imessage.v1.CreateChatResponse>("createChat", {
        addresses: ["bob@example.com"],
      });
      const chatGuid = created.chat?.guid ?? "";
      const senders = processes.map((server) =>
        client(server, MessageServiceDefinition, aliceToken),
      );
      const acknowledged: string[] = [];
      const alive = new Set([0, 1, 2]);
      const send = async (text: string): Promise<void> => {
        for (;;) {
          const candidates = [...alive];
          const target = candidates[Math.floor(Math.random() * candidates.length)] ?? 0;
          try {
            const response = await senders[target]?.unary<MessageResponse>("sendTextMessage", {
              chatGuid,
              text,
            });
            acknowledged.push(response?.message?.guid ?? "");
            return;
          } catch (error) {
            // Only a process that is gone may refuse; the write then goes to another one.
            if (alive.has(target)) throw error as ServiceError;
          }
        }
      };
      const writers = (round: string, count: number) =>
        Promise.all(
          Array.from({ length: 8 }, async (_, writer) => {
            for (let index = 0; index < count; index += 1)
              await send(`${round} ${writer}.${index}`);
          }),
        );

      // Catch-up readers on random processes, from random cursors at or below the
      // highest head seen: what they get must start right after the cursor, without holes.
      const catchUpClients = processes.map((server) =>
        client(server, EventServiceDefinition, bobToken),
      );
      const skips: string[] = [];
      let catchUps = 0;
      let highest = 0;
      let writing = true;
      const readers = Array.from({ length: 2 }, async () => {
        while (writing) {
          const candidates = [...alive];
          const target = candidates[Math.floor(Math.random() * candidates.length)] ?? 0;
          const cursor = Math.floor(Math.random() * (highest + 1));
          let frames: CatchUpFrame[];
          try {
            frames = await collect<CatchUpFrame>(
              (catchUpClients[target] as RawClient).stream("catchUpEvents", {
                afterSequence: cursor,
              }),
            );
          } catch (error) {
            if (alive.has(target)) throw error;
            continue;
          }
          catchUps += 1;
          const head = Number(frames.at(-1)?.complete?.headSequence ?? 0);
          const got = frames.flatMap((frame) =>
            frame.sequence == null ? [] : [Number(frame.sequence)],
          );
          const expected = Array.from(
            { length: Math.max(0, head - cursor) },
            (_, index) => cursor + 1 + index,
          );
          if (JSON.stringify(got) !== JSON.stringify(expected)) {
            skips.push(`after ${cursor} to head ${head}: ${got.join(",")}`);
          }
          highest = Math.max(highest, head);
        }
      });

      try {
        await writers("before", 8);
        // Kill -9 the third process while writes are in flight on every process.
        const during = writers("during", 8);
        await new Promise((resolve) => setTimeout(resolve, 50));
        alive.delete(2);
        processes[2]?.child.kill("SIGKILL");
        await processes[2]?.exited;
        await during;
        await writers("after", 4);
      } finally {
        writing = false;
        await Promise.all(readers);
      }
      expect(catchUps).toBeGreaterThan(0);
      expect(skips).toEqual([]);

      const survivor = processes[0] as ServerProcess;
      const bobCatchUp = await collect<CatchUpFrame>(
        client(survivor, EventServiceDefinition, bobToken).stream("catchUpEvents", {}),
      );
      const head = Number(bobCatchUp.at(-1)?.complete?.headSequence ?? 0);
      const sequences = bobCatchUp.flatMap((frame) =>
        frame.sequence == null ? [] : [Number(frame.sequence)],
      );
      expect(sequences).toEqual(Array.from({ length: head }, (_, index) => index + 1));
      const received = new Set(
        bobCatchUp.flatMap((frame) => {
          const guid = frame.messageChanged?.messageReceived?.message?.guid;
          return guid == null ? [] : [guid];
        }),
      );
      expect(acknowledged.length).toBe(8 * 8 + 8 * 8 + 8 * 4);
      expect(acknowledged.filter((guid) => !received.has(guid))).toEqual([]);

      // The surviving processes' live subscribers saw every event of the log, in order.
      for (const live of [lives[0], lives[1]]) {
        await live?.reach(head);
        expect(live?.events.map((event) => event.sequence)).toEqual(
          Array.from({ length: head }, (_, index) => index + 1),
        );
      }
      // The killed process's subscriber saw a gap-free prefix before it died.
      const cut = lives[2]?.events.map((event) => event.sequence) ?? [];
      expect(cut).toEqual(Array.from({ length: cut.length }, (_, index) => index + 1));
    } finally {
      for (const live of lives) live.cancel();
      for (const created of clients) created.close();
    }
  });
});
