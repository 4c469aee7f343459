import { status } from "@grpc/grpc-js";
import {
  EventLogServiceDefinition,
  EventServiceDefinition,
  type photon,
  ServerInfoServiceDefinition,
  type threadline,
} from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { startTestServer } from "../src/testing.js";
import { appendMessages } from "./support/append-events.js";
import { collect, createRawClient, rejectionOf, trailer } from "./support/grpc-client.js";

type CatchUpFrame = photon.imessage.v1.CatchUpEventsResponse;
type BatchFrame = threadline.v1.CatchUpEventBatchesResponse;

function sequencesOf(frames: readonly CatchUpFrame[]): number[] {
  return frames.flatMap((frame) => (frame.sequence === null ? [] : [frame.sequence]));
}

describe("event log over the wire", () => {
  it("catch-up streams after_sequence < sequence <= head, then complete{head}", async () => {
    await using server = await startTestServer();
    const { account, token } = await server.accounts.create(["alice@example.com"]);
    await appendMessages(server.server.store, account.id, 5);
    const events = createRawClient(server.address, EventServiceDefinition, token);
    try {
      const frames = await collect<CatchUpFrame>(
        events.stream("catchUpEvents", { afterSequence: 2 }),
      );
      expect(sequencesOf(frames)).toEqual([3, 4, 5]);
      expect(frames.at(-1)?.complete?.headSequence).toBe(5);
      expect(frames[0]?.messageChanged?.chatGuid).toBe("any;-;bob@example.com");
      const all = await collect<CatchUpFrame>(events.stream("catchUpEvents", {}));
      expect(sequencesOf(all)).toEqual([1, 2, 3, 4, 5]);
    } finally {
      events.close();
    }
  });

  it("batched catch-up delivers the same events in batches no larger than asked", async () => {
    await using server = await startTestServer();
    const { account, token } = await server.accounts.create(["alice@example.com"]);
    await appendMessages(server.server.store, account.id, 25);
    const log = createRawClient(server.address, EventLogServiceDefinition, token);
    try {
      const frames = await collect<BatchFrame>(
        log.stream("catchUpEventBatches", { afterSequence: 0, maxBatchSize: 10 }),
      );
      const batches = frames.flatMap((frame) => (frame.batch ? [frame.batch.events] : []));
      expect(batches.map((batch) => batch.length)).toEqual([10, 10, 5]);
      expect(batches.flat().map((event) => event.sequence)).toEqual(
        Array.from({ length: 25 }, (_, index) => index + 1),
      );
      expect(frames.at(-1)?.complete?.headSequence).toBe(25);
    } finally {
      log.close();
    }
  });

  it("calls without a valid bearer token are UNAUTHENTICATED with typed trailers", async () => {
    await using server = await startTestServer();
    await server.accounts.create(["alice@example.com"]);
    const anonymous = createRawClient(server.address, ServerInfoServiceDefinition, undefined);
    const forged = createRawClient(server.address, EventServiceDefinition, "not-a-real-token");
    try {
      const missing = await rejectionOf(anonymous.unary("getServerInfo", {}));
      expect(missing.code).toBe(status.UNAUTHENTICATED);
      expect(trailer(missing, "error-code")).toBe("UNAUTHENTICATED");
      expect(trailer(missing, "x-retryable")).toBe("false");
      const bad = await rejectionOf(collect(forged.stream("catchUpEvents", {})));
      expect(bad.code).toBe(status.UNAUTHENTICATED);
      expect(bad.details).toMatch(/not valid/);
    } finally {
      anonymous.close();
      forged.close();
    }
  });

  it("GetServerInfo lists the capabilities and limits", async () => {
    await using server = await startTestServer({ heartbeatIntervalMs: 1234 });
    const { token } = await server.accounts.create(["alice@example.com"]);
    const info = createRawClient(server.address, ServerInfoServiceDefinition, token);
    try {
      const response = await info.unary<threadline.v1.ServerInfo>("getServerInfo", {});
      expect(response.serverName).toBe("threadline");
      expect(response.capabilities).toContain("threadline.catch_up_batches");
      expect(response.heartbeatIntervalMs).toBe(1234);
      expect(response.maxBatchSize).toBe(256);
    } finally {
      info.close();
    }
  });
});
