import { status } from "@grpc/grpc-js";
import {
  EventLogServiceDefinition,
  MessageServiceDefinition,
  type threadline,
} from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { ServerError } from "../src/index.js";
import { startTestServer } from "../src/testing.js";
import { appendMessages } from "./support/append-events.js";
import { readFrames } from "./support/frame-reader.js";
import { createRawClient, rejectionOf } from "./support/grpc-client.js";

describe("accounts", () => {
  it("normalises addresses, issues working tokens and refuses taken addresses", async () => {
    await using server = await startTestServer();
    const { account, token } = await server.accounts.create([
      "Alice@Example.COM",
      "+1 415 555 0100",
    ]);
    expect(account.addresses).toEqual(["alice@example.com", "+14155550100"]);
    expect(account.primaryAddress).toBe("alice@example.com");
    const second = await server.accounts.issueToken(account.id);
    expect(second).not.toBe(token);
    for (const credential of [token, second]) {
      const log = createRawClient(server.address, EventLogServiceDefinition, credential);
      try {
        const info = await log.unary<threadline.v1.LogInfo>("getLogInfo", {});
        expect(info.headSequence).toBe(0);
      } finally {
        log.close();
      }
    }
    const taken = await server.accounts.create(["ALICE@example.com"]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(taken).toBeInstanceOf(ServerError);
    expect(taken).toMatchObject({ errorCode: "ALREADY_EXISTS" });
    await expect(server.accounts.issueToken(999)).rejects.toMatchObject({ errorCode: "NOT_FOUND" });
    await expect(server.accounts.create(["12345"])).rejects.toMatchObject({
      errorCode: "INVALID_ARGUMENT",
    });
    expect(await server.accounts.count()).toBe(1);
  });
});

describe("startTestServer", () => {
  it("restart() keeps the address, the accounts and the log", async () => {
    await using server = await startTestServer();
    const { account, token } = await server.accounts.create(["alice@example.com"]);
    await appendMessages(server.server.store, account.id, 3);
    const address = server.address;
    await server.restart();
    expect(server.address).toBe(address);
    const log = createRawClient(server.address, EventLogServiceDefinition, token);
    try {
      const info = await log.unary<threadline.v1.LogInfo>("getLogInfo", {});
      expect(info.headSequence).toBe(3);
      const error = await rejectionOf(log.unary("fetchEvents", { limit: 5000 }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
    } finally {
      log.close();
    }
  });

  it("teardown fails when a test leaves a stream open", async () => {
    const server = await startTestServer({ leakGraceMs: 50 });
    const { token } = await server.accounts.create(["alice@example.com"]);
    const messages = createRawClient(server.address, MessageServiceDefinition, token);
    const live = readFrames(messages.stream("subscribeMessageEvents", {}));
    await live.headers;
    await expect(server.close()).rejects.toThrow(
      "1 call(s) still open: /photon.imessage.v1.MessageService/SubscribeMessageEvents",
    );
    await live.ended;
    messages.close();
  });
});
