import {
  credentials,
  makeGenericClientConstructor,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import {
  EventLogServiceDefinition,
  EventServiceDefinition,
  type photon,
  type threadline,
} from "@threadline/protocol";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { startTestServer } from "../src/testing.js";
import { appendMessages } from "./support/append-events.js";
import { bearer, collect, createRawClient, rejectionOf, trailer } from "./support/grpc-client.js";

type CatchUpFrame = photon.imessage.v1.CatchUpEventsResponse;

function expectNotRetained(error: ServiceError, oldest: number): void {
  expect(error.code).toBe(status.FAILED_PRECONDITION);
  expect(trailer(error, "error-code")).toBe("SEQUENCE_NOT_RETAINED");
  expect(trailer(error, "oldest-retained-sequence")).toBe(String(oldest));
  expect(trailer(error, "x-retryable")).toBe("false");
  expect(error.details).toContain(`oldest retained sequence is ${oldest}`);
}

/**
 * Changes the server's data file behind its back, on a connection of the test's own
 * (as another process would), in one transaction.
 */
function tamperWithDataFile(path: string, statements: readonly string[]): void {
  const db = new BetterSqlite3(path);
  try {
    db.pragma("busy_timeout = 5000");
    db.transaction(() => {
      for (const statement of statements) db.prepare(statement).run();
    })();
  } finally {
    db.close();
  }
}

/** Sends raw bytes as the request of `getLogInfo`/`fetchEvents`, bypassing the encoder. */
function rawBytesCall(
  address: string,
  token: string,
  method: "getLogInfo" | "fetchEvents",
  bytes: Buffer,
) {
  const definition = {
    [method]: { ...EventLogServiceDefinition[method], requestSerialize: (value: Buffer) => value },
  };
  const Constructor = makeGenericClientConstructor(definition, "Raw");
  const client = new Constructor(address, credentials.createInsecure());
  const call = new Promise<unknown>((resolve, reject) => {
    const invoke: unknown = Reflect.get(client, method);
    if (typeof invoke !== "function") throw new Error("no method");
    Reflect.apply(invoke, client, [
      bytes,
      bearer(token),
      (error: ServiceError | null, response: unknown) =>
        error ? reject(error) : resolve(response),
    ]);
  });
  return { call, close: () => client.close() };
}

describe("retention", () => {
  it("catching up from before the retained window fails and names the oldest retained sequence", async () => {
    await using server = await startTestServer({ retention: { maxEvents: 3 } });
    const { account, token } = await server.accounts.create(["alice@example.com"]);
    await appendMessages(server.server.store, account.id, 10);
    const events = createRawClient(server.address, EventServiceDefinition, token);
    const log = createRawClient(server.address, EventLogServiceDefinition, token);
    try {
      expectNotRetained(
        await rejectionOf(collect(events.stream("catchUpEvents", { afterSequence: 2 }))),
        8,
      );
      expectNotRetained(
        await rejectionOf(collect(log.stream("catchUpEventBatches", { afterSequence: 0 }))),
        8,
      );
      expectNotRetained(await rejectionOf(log.unary("fetchEvents", { afterSequence: 6 })), 8);
      expectNotRetained(
        await rejectionOf(collect(log.stream("subscribeEvents", { afterSequence: 1 }))),
        8,
      );

      const fromEdge = await collect<CatchUpFrame>(
        events.stream("catchUpEvents", { afterSequence: 7 }),
      );
      expect(fromEdge.map((frame) => frame.sequence)).toEqual([8, 9, 10, null]);
      const fromStart = await collect<CatchUpFrame>(events.stream("catchUpEvents", {}));
      expect(fromStart.map((frame) => frame.sequence)).toEqual([8, 9, 10, null]);
      const info = await log.unary<threadline.v1.LogInfo>("getLogInfo", {});
      expect(info.headSequence).toBe(10);
      expect(info.oldestRetainedSequence).toBe(8);
    } finally {
      events.close();
      log.close();
    }
  });

  it("age retention expires a prefix and keeps the head", async () => {
    await using server = await startTestServer({ retention: { maxAgeMs: 60_000 } });
    const { account, token } = await server.accounts.create(["alice@example.com"]);
    await appendMessages(server.server.store, account.id, 4);
    // Age the rows instead of sleeping: tests never depend on timing.
    tamperWithDataFile(server.dataPath, [
      "UPDATE event_log SET recorded_at = recorded_at - 120000 WHERE sequence <= 3",
    ]);
    expect(await server.server.store.expireOldEvents()).toBe(3);
    const log = createRawClient(server.address, EventLogServiceDefinition, token);
    try {
      const info = await log.unary<threadline.v1.LogInfo>("getLogInfo", {});
      expect(info).toMatchObject({ headSequence: 4, oldestRetainedSequence: 4 });
      expectNotRetained(await rejectionOf(log.unary("fetchEvents", { afterSequence: 0 })), 4);
      const page = await log.unary<threadline.v1.FetchEventsResponse>("fetchEvents", {
        afterSequence: 3,
      });
      expect(page.events.map((event) => event.sequence)).toEqual([4]);
    } finally {
      log.close();
    }
  });
});

describe("retention during a replay", () => {
  it("a catch-up whose remaining events are deleted mid-stream fails instead of skipping them", async () => {
    await using server = await startTestServer();
    const { account, token } = await server.accounts.create(["alice@example.com"]);
    await appendMessages(server.server.store, account.id, 20_000);
    const events = createRawClient(server.address, EventServiceDefinition, token);
    const stream = events.stream<CatchUpFrame>("catchUpEvents", {});
    const ended = new Promise<ServiceError | undefined>((resolve) => {
      stream.on("error", resolve);
      stream.on("end", () => resolve(undefined));
    });
    try {
      const firstFrame = new Promise((resolve) => stream.once("data", resolve));
      await firstFrame;
      // The client stops reading, so the server is held by flow control far before
      // 19,000; then retention removes everything up to 19,000.
      stream.pause();
      tamperWithDataFile(server.dataPath, [
        `DELETE FROM event_log WHERE account_id = ${account.id} AND sequence <= 19000`,
        `UPDATE log_heads SET retained_from = 19001 WHERE account_id = ${account.id}`,
      ]);
      const received: number[] = [];
      stream.on("data", (frame: CatchUpFrame) => {
        if (frame.sequence !== null) received.push(frame.sequence);
      });
      stream.resume();
      const error = await ended;
      expect(error).toBeDefined();
      if (error) expectNotRetained(error, 19001);
      // What arrived is a gap-free prefix.
      expect(received).toEqual(received.map((_, index) => index + 2));
      expect(received.length).toBeLessThan(19_000);
    } finally {
      stream.cancel();
      events.close();
    }
  });
});

describe("FetchEvents and GetLogInfo", () => {
  it("pages with the default limit, reports has_more and the head", async () => {
    await using server = await startTestServer();
    const { account, token } = await server.accounts.create(["alice@example.com"]);
    const log = createRawClient(server.address, EventLogServiceDefinition, token);
    try {
      const empty = await log.unary<threadline.v1.LogInfo>("getLogInfo", {});
      expect(empty).toMatchObject({ headSequence: 0, oldestRetainedSequence: 0 });
      await appendMessages(server.server.store, account.id, 150);
      const first = await log.unary<threadline.v1.FetchEventsResponse>("fetchEvents", {});
      expect(first.events).toHaveLength(100);
      expect(first.hasMore).toBe(true);
      expect(first.headSequence).toBe(150);
      const second = await log.unary<threadline.v1.FetchEventsResponse>("fetchEvents", {
        afterSequence: 100,
        limit: 1000,
      });
      expect(second.events.map((event) => event.sequence)).toEqual(
        Array.from({ length: 50 }, (_, index) => 101 + index),
      );
      expect(second.hasMore).toBe(false);
      const atHead = await log.unary<threadline.v1.FetchEventsResponse>("fetchEvents", {
        afterSequence: 150,
      });
      expect(atHead.events).toHaveLength(0);
      expect(atHead.hasMore).toBe(false);
      // A cursor above the head is refused (cursor-ahead.test.ts), never an empty page.
      const beyond = await rejectionOf(log.unary("fetchEvents", { afterSequence: 500 }));
      expect(trailer(beyond, "error-code")).toBe("CURSOR_AHEAD_OF_HEAD");
    } finally {
      log.close();
    }
  });

  it("rejects a limit above 1000 with INVALID_ARGUMENT saying what is allowed", async () => {
    await using server = await startTestServer();
    const { token } = await server.accounts.create(["alice@example.com"]);
    const log = createRawClient(server.address, EventLogServiceDefinition, token);
    try {
      const error = await rejectionOf(log.unary("fetchEvents", { limit: 1001 }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(trailer(error, "error-code")).toBe("INVALID_ARGUMENT");
      expect(error.details).toBe(
        "limit must be an integer from 0 to 1000 (0 means the default of 100); received 1001",
      );
    } finally {
      log.close();
    }
  });
});

describe("malformed and oversized requests", () => {
  it("answers undecodable bytes with INVALID_ARGUMENT and keeps serving", async () => {
    await using server = await startTestServer();
    const { token } = await server.accounts.create(["alice@example.com"]);
    // Field 1 as a length-delimited value that runs past the end of the message.
    const garbage = rawBytesCall(
      server.address,
      token,
      "fetchEvents",
      Buffer.from([0x0a, 0x7f, 0x01]),
    );
    // after_sequence = 2^60: above 2^53, which the protocol refuses to decode.
    const huge = rawBytesCall(
      server.address,
      token,
      "fetchEvents",
      Buffer.from([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]),
    );
    const log = createRawClient(server.address, EventLogServiceDefinition, token);
    try {
      for (const call of [garbage.call, huge.call]) {
        const error = await rejectionOf(call);
        expect(error.code).toBe(status.INVALID_ARGUMENT);
        expect(trailer(error, "error-code")).toBe("INVALID_ARGUMENT");
        expect(error.details).toContain("FetchEvents");
      }
      const info = await log.unary<threadline.v1.LogInfo>("getLogInfo", {});
      expect(info.headSequence).toBe(0);
    } finally {
      garbage.close();
      huge.close();
      log.close();
    }
  });

  it("answers an oversized request with RESOURCE_EXHAUSTED / PAYLOAD_TOO_LARGE and keeps serving", async () => {
    await using server = await startTestServer({ maxReceiveMessageBytes: 1024 });
    const { token } = await server.accounts.create(["alice@example.com"]);
    // Unknown field 15 (length-delimited) padding: valid protobuf, just too big.
    const padding = Buffer.alloc(1500, 0x61);
    const oversized = Buffer.concat([Buffer.from([0x7a, 0xdc, 0x0b]), padding]);
    const big = rawBytesCall(server.address, token, "getLogInfo", oversized);
    const log = createRawClient(server.address, EventLogServiceDefinition, token);
    try {
      const error = await rejectionOf(big.call);
      expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(trailer(error, "error-code")).toBe("PAYLOAD_TOO_LARGE");
      expect(error.details).toContain("at most 1024 bytes");
      const info = await log.unary<threadline.v1.LogInfo>("getLogInfo", {});
      expect(info.headSequence).toBe(0);
    } finally {
      big.close();
      log.close();
    }
  });
});
