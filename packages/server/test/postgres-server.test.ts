import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ChatServiceDefinition,
  EventServiceDefinition,
  MessageServiceDefinition,
  type photon,
} from "@threadline/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type ThreadlineServer } from "../src/server.js";
import { collect, createRawClient } from "./support/grpc-client.js";
import { recordLive } from "./support/live-recorder.js";
import {
  createScratchDatabase,
  postgresReachable,
  type ScratchDatabase,
} from "./support/postgres-scratch.js";

const reachable = await postgresReachable();

type CatchUpFrame = photon.imessage.v1.CatchUpEventsResponse;

describe.runIf(reachable)("the server on PostgreSQL", () => {
  let database: ScratchDatabase;
  let directory: string;
  const servers: ThreadlineServer[] = [];
  beforeAll(async () => {
    database = await createScratchDatabase();
    directory = await mkdtemp(join(tmpdir(), "threadline-postgres-"));
    for (const name of ["first", "second"]) {
      servers.push(
        await startServer({
          database: database.url,
          databasePoolSize: 2,
          dataPath: join(directory, name),
          port: 0,
          httpPort: 0,
          logger: false,
        }),
      );
    }
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await database?.drop();
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it("two servers on one database: messages sent through either reach a live stream on the other, in sequence order, and catch-up agrees", async () => {
    const [first, second] = servers;
    if (first === undefined || second === undefined) throw new Error("servers did not start");
    const alice = await first.accounts.create(["alice@example.com"]);
    const bob = await second.accounts.create(["bob@example.com"]);
    expect(await first.accounts.count()).toBe(2);

    const bobLive = createRawClient(second.address, MessageServiceDefinition, bob.token);
    const live = recordLive(bobLive.stream("subscribeMessageEvents", {}), "single");
    const aliceChats = createRawClient(first.address, ChatServiceDefinition, alice.token);
    const aliceMessages = [first, second].map((server) =>
      createRawClient(server.address, MessageServiceDefinition, alice.token),
    );
    const bobEvents = createRawClient(first.address, EventServiceDefinition, bob.token);
    try {
      await live.headers;
      const created = await aliceChats.unary<photon.imessage.v1.CreateChatResponse>("createChat", {
        addresses: ["bob@example.com"],
        initialMessage: { text: "hello from the first server" },
      });
      const chatGuid = created.chat?.guid ?? "";
      expect(chatGuid).not.toBe("");
      await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          aliceMessages[index % 2]?.unary("sendTextMessage", {
            chatGuid,
            text: `message ${index}`,
          }),
        ),
      );
      const catchUp = await collect<CatchUpFrame>(bobEvents.stream("catchUpEvents", {}));
      const head = Number(catchUp.at(-1)?.complete?.headSequence ?? 0);
      expect(head).toBeGreaterThanOrEqual(13);
      const caughtUp = catchUp.flatMap((frame) =>
        frame.sequence == null ? [] : [Number(frame.sequence)],
      );
      expect(caughtUp).toEqual(Array.from({ length: head }, (_, index) => index + 1));

      await live.reach(head);
      const sequences = live.events.map((event) => event.sequence);
      expect(sequences).toEqual(Array.from({ length: sequences.length }, (_, index) => index + 1));
      expect(sequences.length).toBe(head);
    } finally {
      live.cancel();
      bobLive.close();
      aliceChats.close();
      for (const client of aliceMessages) client.close();
      bobEvents.close();
    }
  });

  it("each process counts the appends it commits, not the other processes' events it streams", async () => {
    const [first, second] = servers;
    if (first === undefined || second === undefined) throw new Error("servers did not start");
    const appended = async (server: ThreadlineServer) => {
      const text = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
      return Number(/^threadline_events_appended_total (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
    };
    const carol = await first.accounts.create(["carol@example.com"]);
    const dave = await first.accounts.create(["dave@example.com"]);
    const daveLive = createRawClient(second.address, MessageServiceDefinition, dave.token);
    const live = recordLive(daveLive.stream("subscribeMessageEvents", {}), "single");
    const carolChats = createRawClient(first.address, ChatServiceDefinition, carol.token);
    const carolMessages = createRawClient(first.address, MessageServiceDefinition, carol.token);
    try {
      await live.headers;
      const created = await carolChats.unary<photon.imessage.v1.CreateChatResponse>("createChat", {
        addresses: ["dave@example.com"],
      });
      const [firstBefore, secondBefore] = [await appended(first), await appended(second)];
      for (let index = 0; index < 3; index += 1) {
        await carolMessages.unary("sendTextMessage", {
          chatGuid: created.chat?.guid,
          text: `m${index}`,
        });
      }
      // Dave's stream on the second process gets the three messages…
      await live.reach((live.events.at(-1)?.sequence ?? 0) + 1);
      while (live.events.filter((event) => event.chatGuid !== "").length < 3) {
        await live.reach((live.events.at(-1)?.sequence ?? 0) + 1);
      }
      // …but only the first process appended them (2 events each: Carol's and Dave's).
      expect((await appended(first)) - firstBefore).toBe(6);
      expect((await appended(second)) - secondBefore).toBe(0);
    } finally {
      live.cancel();
      daveLive.close();
      carolChats.close();
      carolMessages.close();
    }
  });

  it("refuses a database that is not a PostgreSQL URL, naming what is allowed", async () => {
    await expect(
      startServer({ database: "mysql://localhost/x", port: 0, logger: false }),
    ).rejects.toThrow(/database must be a PostgreSQL URL such as postgres:\/\//);
  });
});
