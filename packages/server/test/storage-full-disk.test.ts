import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import {
  ChatServiceDefinition,
  EventLogServiceDefinition,
  MessageServiceDefinition,
  type photon,
  type threadline,
} from "@threadline/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqliteStore } from "../src/storage/sqlite-store.js";
import { startTestServer, type TestServer } from "../src/testing.js";
import { businessNumberId, messageFixtures, webhookBody } from "./fixtures/whatsapp-webhooks.js";
import { createRawClient, rejectionOf, trailer } from "./support/grpc-client.js";
import { openSmallDisk, type SmallDisk } from "./support/small-disk.js";
import { startWhatsAppHarness } from "./support/whatsapp-harness.js";

describe("a full disk", () => {
  let disk: SmallDisk;
  let server: TestServer;
  beforeAll(async () => {
    disk = openSmallDisk();
    // Say which disk this run used; the tmpfs is the real thing.
    console.info(`full-disk test runs on: ${disk.kind}`);
    server = await startTestServer({ dataPath: join(disk.directory, "threadline.db") });
  });
  afterAll(async () => {
    await server?.close();
    disk?.dispose();
  });

  it("rejects writes with UNAVAILABLE / STORAGE_FULL, retryable, stores nothing of them, and accepts them again once space is freed", async () => {
    const { token } = await server.accounts.create(["alice@example.com"]);
    await server.accounts.create(["bob@example.com"]);
    const chats = createRawClient(server.address, ChatServiceDefinition, token);
    const messages = createRawClient(server.address, MessageServiceDefinition, token);
    const log = createRawClient(server.address, EventLogServiceDefinition, token);
    try {
      const created = await chats.unary<photon.imessage.v1.CreateChatResponse>("createChat", {
        addresses: ["bob@example.com"],
        initialMessage: { text: "before the disk filled" },
      });
      const chatGuid = created.chat?.guid ?? "";
      const head = async () =>
        Number((await log.unary<threadline.v1.LogInfo>("getLogInfo", {})).headSequence);
      const headBefore = await head();
      expect(headBefore).toBeGreaterThan(0);

      disk.fill((server.server.store as SqliteStore).database);
      // Long texts, in parallel, so that one group commit needs many new pages.
      const texts = Array.from({ length: 8 }, (_, index) => `${index} ${"x".repeat(3000)}`);
      const failures = await Promise.all(
        texts.map((text) => rejectionOf(messages.unary("sendTextMessage", { chatGuid, text }))),
      );
      for (const failure of failures) {
        expect(failure.code).toBe(status.UNAVAILABLE);
        expect(trailer(failure, "error-code")).toBe("STORAGE_FULL");
        expect(trailer(failure, "x-retryable")).toBe("true");
        expect(failure.details).toContain("disk is full");
        expect(failure.details).toContain("once space is freed");
      }
      // Nothing half-written: the log's head did not move, and reads still work.
      expect(await head()).toBe(headBefore);

      disk.free((server.server.store as SqliteStore).database);
      await messages.unary("sendTextMessage", { chatGuid, text: "after space was freed" });
      const perSend = (await head()) - headBefore;
      expect(perSend).toBeGreaterThan(0);
      // The refused writes, retried unchanged, go through now, each exactly once.
      const headFreed = await head();
      await Promise.all(texts.map((text) => messages.unary("sendTextMessage", { chatGuid, text })));
      expect((await head()) - headFreed).toBe(texts.length * perSend);
    } finally {
      chats.close();
      messages.close();
      log.close();
    }
  });

  it("answers a webhook that meets a full disk with 503 (Meta delivers it again), storing nothing, and 200 once space is freed", async () => {
    const webhookDisk = openSmallDisk();
    try {
      await using harness = await startWhatsAppHarness({
        dataPath: join(webhookDisk.directory, "threadline.db"),
      });
      const database = (harness.server.store as SqliteStore).database;
      const count = () =>
        database.prepare<[], { n: number }>("SELECT count(*) AS n FROM whatsapp_log").get()?.n;
      const before = count();
      const body = webhookBody(businessNumberId, { messages: [messageFixtures[0]?.message] });
      webhookDisk.fill(database);
      const refused = await harness.postSigned(body);
      expect(refused.status).toBe(503);
      expect(refused.body).toContain("disk is full");
      expect(count()).toBe(before);
      webhookDisk.free(database);
      expect((await harness.postSigned(body)).status).toBe(200);
      expect(count()).toBe((before ?? 0) + 1);
    } finally {
      webhookDisk.dispose();
    }
  });
});
