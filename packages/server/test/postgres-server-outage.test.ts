import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Client,
  credentials,
  makeGenericClientConstructor,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import {
  ChatServiceDefinition,
  EventLogServiceDefinition,
  MessageServiceDefinition,
  type photon,
} from "@threadline/protocol";
import { service as healthDefinition } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type ThreadlineServer } from "../src/server.js";
import { type CuttableProxy, startCuttableProxy } from "./support/cuttable-proxy.js";
import { createRawClient, rejectionOf, trailer } from "./support/grpc-client.js";
import {
  createScratchDatabase,
  postgresAdminUrl,
  postgresReachable,
  type ScratchDatabase,
} from "./support/postgres-scratch.js";

const reachable = await postgresReachable();

function healthCheck(client: Client): Promise<string> {
  return new Promise((resolve, reject) => {
    const method: unknown = Reflect.get(client, "check");
    if (typeof method !== "function") throw new Error("the health client has no check method");
    Reflect.apply(method, client, [
      { service: "" },
      (error: ServiceError | null, response: { status: string } | undefined) => {
        if (error !== null) reject(error);
        else resolve(response?.status ?? "missing");
      },
    ]);
  });
}

/** Tries `attempt` until it resolves; rethrows its last failure after `tries`. */
async function eventually<T>(attempt: () => Promise<T>, tries = 200): Promise<T> {
  let last: unknown;
  for (let index = 0; index < tries; index += 1) {
    try {
      return await attempt();
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw last;
}

function expectRetryableUnavailable(failure: ServiceError): void {
  expect(failure.code).toBe(status.UNAVAILABLE);
  expect(trailer(failure, "x-retryable")).toBe("true");
  expect(failure.details).toContain("PostgreSQL");
}

describe.runIf(reachable)("the server while PostgreSQL is unreachable", () => {
  let database: ScratchDatabase;
  let proxy: CuttableProxy;
  let server: ThreadlineServer;
  let directory: string;
  beforeAll(async () => {
    database = await createScratchDatabase();
    proxy = await startCuttableProxy(new URL(postgresAdminUrl).host);
    directory = await mkdtemp(join(tmpdir(), "threadline-pg-outage-"));
    server = await startServer({
      database: database.urlThrough(proxy.address),
      databasePoolSize: 2,
      dataPath: join(directory, "attachments"),
      port: 0,
      logger: false,
    });
  });
  afterAll(async () => {
    proxy?.restore();
    await server?.close();
    await proxy?.close();
    await database?.drop();
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it("answers UNAVAILABLE (retryable) and NOT_SERVING, keeps running, and serves again by itself when the database is back", async () => {
    const alice = await server.accounts.create(["alice@example.com"]);
    await server.accounts.create(["bob@example.com"]);
    const Health = makeGenericClientConstructor(healthDefinition, "Health");
    const health = new Health(server.address, credentials.createInsecure());
    const chats = createRawClient(server.address, ChatServiceDefinition, alice.token);
    const messages = createRawClient(server.address, MessageServiceDefinition, alice.token);
    const log = createRawClient(server.address, EventLogServiceDefinition, alice.token);
    try {
      const created = await chats.unary<photon.imessage.v1.CreateChatResponse>("createChat", {
        addresses: ["bob@example.com"],
      });
      const chatGuid = created.chat?.guid ?? "";
      expect(await healthCheck(health)).toBe("SERVING");

      proxy.cut();
      // Health turns NOT_SERVING by itself (the listener lost its connection), before
      // any call fails.
      await eventually(async () => {
        const now = await healthCheck(health);
        if (now !== "NOT_SERVING") throw new Error(`health is ${now}`);
      });
      expectRetryableUnavailable(
        await rejectionOf(messages.unary("sendTextMessage", { chatGuid, text: "while down" })),
      );
      expectRetryableUnavailable(await rejectionOf(log.unary("getLogInfo", {})));
      expect(await healthCheck(health)).toBe("NOT_SERVING");

      proxy.restore();
      await eventually(() => messages.unary("sendTextMessage", { chatGuid, text: "back" }));
      await eventually(async () => {
        const now = await healthCheck(health);
        if (now !== "SERVING") throw new Error(`health is ${now}`);
      });
      const info = await log.unary<{ headSequence: string | number }>("getLogInfo", {});
      expect(Number(info.headSequence)).toBeGreaterThan(0);
    } finally {
      health.close();
      chats.close();
      messages.close();
      log.close();
    }
  });
});
