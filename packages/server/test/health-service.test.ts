import {
  type Client,
  type ClientReadableStream,
  credentials,
  makeGenericClientConstructor,
  type ServiceError,
} from "@grpc/grpc-js";
import { ChatServiceDefinition } from "@threadline/protocol";
import BetterSqlite3 from "better-sqlite3";
import { service as healthDefinition } from "grpc-health-check";
import { describe, expect, it } from "vitest";
import { startTestServer } from "../src/testing.js";
import { createRawClient, rejectionOf } from "./support/grpc-client.js";

/** A plain grpc-js client of `grpc.health.v1.Health`, built from the package's own definition. */
function healthClient(address: string): Client {
  const Constructor = makeGenericClientConstructor(healthDefinition, "Health");
  return new Constructor(address, credentials.createInsecure());
}

function check(client: Client, service = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    const method: unknown = Reflect.get(client, "check");
    if (typeof method !== "function") throw new Error("the health client has no check method");
    Reflect.apply(method, client, [
      { service },
      (error: ServiceError | null, response: { status: string } | undefined) => {
        if (error !== null) reject(error);
        else resolve(response?.status ?? "missing");
      },
    ]);
  });
}

function watch(client: Client): ClientReadableStream<{ status: string }> {
  const method: unknown = Reflect.get(client, "watch");
  if (typeof method !== "function") throw new Error("the health client has no watch method");
  return Reflect.apply(method, client, [{ service: "" }]);
}

describe("grpc.health.v1 on the gRPC port", () => {
  it("answers SERVING for the server and NOT_FOUND for a service it does not know", async () => {
    await using server = await startTestServer();
    const client = healthClient(server.address);
    try {
      expect(await check(client)).toBe("SERVING");
      const unknown = await rejectionOf(check(client, "no.such.Service"));
      expect(unknown.code).toBe(5);
    } finally {
      client.close();
    }
  });

  it("reports NOT_SERVING while the database cannot commit, and SERVING again once it can", async () => {
    await using server = await startTestServer();
    const { token } = await server.accounts.create(["alice@example.com"]);
    const chats = createRawClient(server.address, ChatServiceDefinition, token);
    const client = healthClient(server.address);
    // Another process's connection holds the file's write lock: the server's commit
    // waits its busy timeout, then fails; the database is unreachable for writes.
    const other = new BetterSqlite3(server.dataPath);
    try {
      expect(await check(client)).toBe("SERVING");
      other.exec("BEGIN EXCLUSIVE");
      const refused = await rejectionOf(
        chats.unary("createChat", { addresses: ["bob@example.com"] }),
      );
      expect(refused.code).not.toBe(0);
      expect(await check(client)).toBe("NOT_SERVING");

      other.exec("ROLLBACK");
      await chats.unary("createChat", { addresses: ["bob@example.com"] });
      expect(await check(client)).toBe("SERVING");
    } finally {
      if (other.inTransaction) other.exec("ROLLBACK");
      other.close();
      chats.close();
      client.close();
    }
  }, 20_000);

  it("tells a watcher NOT_SERVING when the server stops, then ends the watch so shutdown does not wait", async () => {
    const server = await startTestServer({ leakGraceMs: 2000 });
    const client = healthClient(server.address);
    try {
      const stream = watch(client);
      const statuses: string[] = [];
      const ended = new Promise<void>((resolve, reject) => {
        stream.on("data", (frame: { status: string }) => {
          statuses.push(frame.status);
          if (frame.status === "SERVING" && statuses.length === 1) {
            server.server.close({ graceMs: 60_000 }).catch(reject);
          }
        });
        stream.on("end", () => resolve());
        stream.on("error", (error: ServiceError) => {
          // The channel may see the server go away right after the last frame.
          if (error.code === 14 || error.code === 1) resolve();
          else reject(error);
        });
      });
      await ended;
      expect(statuses).toEqual(["SERVING", "NOT_SERVING"]);
      // With a 60 s grace, this resolves only because the watch ended.
      await server.server.close();
    } finally {
      client.close();
      await server.close();
    }
  });
});
