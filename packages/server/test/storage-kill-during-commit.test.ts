import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ChatServiceDefinition,
  EventServiceDefinition,
  MessageServiceDefinition,
  type photon,
} from "@threadline/protocol";
import fc from "fast-check";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  assertCliBuilt,
  runCli,
  type ServerProcess,
  startServerProcess,
} from "./support/cli-process.js";
import { collect, createRawClient, type RawClient } from "./support/grpc-client.js";

type CatchUpFrame = photon.imessage.v1.CatchUpEventsResponse;

const started: ServerProcess[] = [];
const directories: string[] = [];

beforeAll(() => {
  assertCliBuilt();
});
afterEach(async () => {
  for (const server of started.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill("SIGKILL");
    }
    await server.exited;
  }
  for (const directory of directories.splice(0)) {
    await rm(directory, { recursive: true, force: true });
  }
});

async function addAccount(dataPath: string, address: string): Promise<string> {
  const result = await runCli(["accounts", "add", address, "--data", dataPath]);
  expect(result.code).toBe(0);
  return result.stdout.trim();
}

async function start(dataPath: string): Promise<ServerProcess> {
  const server = await startServerProcess(["--data", dataPath, "--port", "0"]);
  started.push(server);
  return server;
}

/** The texts of the message.received events in one account's log, and its sequences. */
async function logOf(
  address: string,
  token: string,
): Promise<{ texts: string[]; sequences: number[] }> {
  const events = createRawClient(address, EventServiceDefinition, token);
  try {
    const frames = await collect<CatchUpFrame>(events.stream("catchUpEvents", {}));
    return {
      texts: frames.flatMap((frame) => {
        const text = frame.messageChanged?.messageReceived?.message?.content?.text;
        return typeof text === "string" ? [text] : [];
      }),
      sequences: frames.flatMap((frame) => (frame.sequence === null ? [] : [frame.sequence])),
    };
  } finally {
    events.close();
  }
}

describe("kill -9 while the writer thread commits (property)", () => {
  it("every acknowledged SendTextMessage is in both logs after a restart, once, with contiguous sequences, wherever the process dies", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          inFlight: fc.constantFrom(1, 16, 64),
          killAfterAcks: fc.integer({ min: 1, max: 400 }),
        }),
        async ({ inFlight, killAfterAcks }) => {
          const directory = await mkdtemp(join(tmpdir(), "threadline-kill-"));
          directories.push(directory);
          const dataPath = join(directory, "threadline.db");
          const aliceToken = await addAccount(dataPath, "alice@example.com");
          const bobToken = await addAccount(dataPath, "bob@example.com");
          let server = await start(dataPath);
          // The server under test commits on SQLite's writer thread, not on its event loop
          // (its "listening" log line says so, on stdout).
          while (!server.stdout().includes('"storage":"sqlite writer-thread"')) {
            expect(server.child.exitCode).toBeNull();
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          const chats = createRawClient(server.address, ChatServiceDefinition, aliceToken);
          const messages: RawClient = createRawClient(
            server.address,
            MessageServiceDefinition,
            aliceToken,
          );
          const acknowledged: string[] = [];
          const attempted = new Set<string>();
          try {
            const created = await chats.unary<photon.imessage.v1.CreateChatResponse>("createChat", {
              addresses: ["bob@example.com"],
            });
            const chatGuid = created.chat?.guid ?? "";
            let next = 0;
            let killed = false;
            // Writers keep `inFlight` sends going; the process is killed from inside the
            // loop, so sends are in flight (queued, in a batch, inside COMMIT) when it dies.
            await Promise.all(
              Array.from({ length: inFlight }, async () => {
                while (!killed) {
                  const text = `message ${next++}`;
                  attempted.add(text);
                  try {
                    await messages.unary("sendTextMessage", { chatGuid, text });
                  } catch {
                    // The process died under this call: it was not acknowledged.
                    return;
                  }
                  if (killed) return;
                  acknowledged.push(text);
                  if (acknowledged.length >= killAfterAcks) {
                    killed = true;
                    server.child.kill("SIGKILL");
                  }
                }
              }),
            );
          } finally {
            chats.close();
            messages.close();
          }
          expect(await server.exited).toBe("SIGKILL");
          expect(acknowledged.length).toBeGreaterThanOrEqual(killAfterAcks);

          server = await start(dataPath);
          for (const token of [aliceToken, bobToken]) {
            const { texts, sequences } = await logOf(server.address, token);
            // Acknowledged ⇒ stored; nothing stored twice; nothing stored that was never sent.
            const stored = new Set(texts);
            expect(stored.size).toBe(texts.length);
            for (const text of acknowledged) expect(stored.has(text)).toBe(true);
            for (const text of texts) expect(attempted.has(text)).toBe(true);
            expect(sequences).toEqual(sequences.map((_, index) => index + 1));
          }
        },
      ),
      { numRuns: 5 },
    );
  }, 180_000);
});
