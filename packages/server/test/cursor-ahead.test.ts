import { type ServiceError, status } from "@grpc/grpc-js";
import {
  EventLogServiceDefinition,
  EventServiceDefinition,
  type photon,
  type threadline,
} from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { startTestServer } from "../src/testing.js";
import { appendMessages } from "./support/append-events.js";
import { collect, createRawClient, rejectionOf, trailer } from "./support/grpc-client.js";

function expectCursorAhead(error: ServiceError, cursor: number, head: number): void {
  expect(error.code).toBe(status.FAILED_PRECONDITION);
  expect(trailer(error, "error-code")).toBe("CURSOR_AHEAD_OF_HEAD");
  expect(trailer(error, "x-retryable")).toBe("false");
  expect(trailer(error, "head-sequence")).toBe(String(head));
  expect(trailer(error, "after-sequence")).toBe(String(cursor));
  expect(error.details).toContain(`after_sequence ${cursor}`);
  expect(error.details).toContain(`head ${head}`);
  expect(error.details).toContain("restored");
  expect(error.details).toContain("another server");
}

describe("a cursor above the head is refused on every read path", () => {
  it("CatchUpEvents, CatchUpEventBatches, SubscribeEvents and FetchEvents answer CURSOR_AHEAD_OF_HEAD naming both numbers", async () => {
    await using server = await startTestServer();
    const { account, token } = await server.accounts.create(["alice@example.com"]);
    await appendMessages(server.server.store, account.id, 10);
    const events = createRawClient(server.address, EventServiceDefinition, token);
    const log = createRawClient(server.address, EventLogServiceDefinition, token);
    try {
      expectCursorAhead(
        await rejectionOf(collect(events.stream("catchUpEvents", { afterSequence: 1000 }))),
        1000,
        10,
      );
      expectCursorAhead(
        await rejectionOf(collect(log.stream("catchUpEventBatches", { afterSequence: 11 }))),
        11,
        10,
      );
      expectCursorAhead(
        await rejectionOf(collect(log.stream("subscribeEvents", { afterSequence: 1000 }))),
        1000,
        10,
      );
      expectCursorAhead(
        await rejectionOf(log.unary("fetchEvents", { afterSequence: 1000 })),
        1000,
        10,
      );
    } finally {
      events.close();
      log.close();
    }
  });

  it("a cursor at the head is not ahead: catch-up completes at once and fetch returns an empty page", async () => {
    await using server = await startTestServer();
    const { account, token } = await server.accounts.create(["alice@example.com"]);
    await appendMessages(server.server.store, account.id, 10);
    const events = createRawClient(server.address, EventServiceDefinition, token);
    const log = createRawClient(server.address, EventLogServiceDefinition, token);
    try {
      const frames = await collect<photon.imessage.v1.CatchUpEventsResponse>(
        events.stream("catchUpEvents", { afterSequence: 10 }),
      );
      expect(frames.map((frame) => frame.complete?.headSequence)).toEqual([10]);
      const page = await log.unary<threadline.v1.FetchEventsResponse>("fetchEvents", {
        afterSequence: 10,
      });
      expect(page.events).toHaveLength(0);
      expect(page.hasMore).toBe(false);
    } finally {
      events.close();
      log.close();
    }
  });

  it("an empty log refuses any cursor above 0", async () => {
    await using server = await startTestServer();
    const { token } = await server.accounts.create(["alice@example.com"]);
    const log = createRawClient(server.address, EventLogServiceDefinition, token);
    try {
      expectCursorAhead(await rejectionOf(log.unary("fetchEvents", { afterSequence: 1 })), 1, 0);
      const page = await log.unary<threadline.v1.FetchEventsResponse>("fetchEvents", {
        afterSequence: 0,
      });
      expect(page.events).toHaveLength(0);
    } finally {
      log.close();
    }
  });
});
