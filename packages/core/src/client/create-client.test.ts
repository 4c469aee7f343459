import { ServerInfoServiceDefinition } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { AuthenticationError, CancelledError, ValidationError } from "../errors/error-classes.js";
import type { ResourceFactory } from "./client-context.js";
import { createClient } from "./create-client.js";

// Nothing listens here: a call that reached the network would fail with a
// ConnectionError, never with the ValidationError these tests expect.
const address = "127.0.0.1:1";

describe("createClient and argument checks before any network call", () => {
  it("rejects a missing address or token with what is allowed", () => {
    expect(() => createClient({ address: "", token: "t" })).toThrow(
      'address must be a non-empty "host:port" string; received ""',
    );
    expect(() => createClient({ address, token: "" })).toThrow(ValidationError);
    expect(() => createClient({ address, token: "t", timeoutMs: 0 })).toThrow(
      "timeoutMs must be a positive finite number of milliseconds; received 0",
    );
  });

  it("catchUp throws ValidationError synchronously unless undefined or a non-negative safe integer", async () => {
    await using im = createClient({ address, token: "t" });
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53, "3"]) {
      expect(() => im.events.catchUp(bad as number)).toThrow(ValidationError);
    }
    expect(() => im.events.catchUp(-1)).toThrow(
      "lastHandledSequence must be a non-negative safe integer; received -1",
    );
  });

  it("live validates the domain and the filter", async () => {
    await using im = createClient({ address, token: "t" });
    expect(() => im.events.live("messages" as "message")).toThrow(
      'domain must be "message", "chat", "group" or "poll"; received "messages"',
    );
    expect(() => im.events.live("message", { chat: "not a guid" })).toThrow(ValidationError);
    expect(() => im.events.live("poll", { chat: "any;+;g" })).toThrow(/use \{ poll \}/);
    expect(() => im.events.live("chat", { poll: "p" })).toThrow(/use \{ chat \}/);
  });

  it("subscribe validates the cursor and reconnect options", async () => {
    await using im = createClient({ address, token: "t" });
    expect(() => im.events.subscribe({ cursor: "42" })).toThrow(/cursor must be a cursor string/);
    expect(() => im.events.subscribe({ cursor: "v1:-1" })).toThrow(ValidationError);
    expect(() => im.events.subscribe({ reconnect: { multiplier: 0 } })).toThrow(ValidationError);
  });

  it("fetchMissed validates limit (1..1000, default 100) and the cursor", async () => {
    await using im = createClient({ address, token: "t" });
    await expect(im.events.fetchMissed({ limit: 0 })).rejects.toThrow(
      "limit must be an integer from 1 to 1000 (default 100); received 0",
    );
    await expect(im.events.fetchMissed({ limit: 1001 })).rejects.toThrow(ValidationError);
    await expect(im.events.fetchMissed({ cursor: "nope", limit: 5 })).rejects.toThrow(
      ValidationError,
    );
  });

  it("resources become typed properties built from the client context", async () => {
    const greeter: ResourceFactory<{ hello(): string; hasEvents: boolean }> = (context) => ({
      hello: () => "hi",
      hasEvents: typeof context.events.catchUp === "function",
    });
    await using im = createClient({ address, token: "t", resources: { greeter } });
    expect(im.greeter.hello()).toBe("hi");
    expect(im.greeter.hasEvents).toBe(true);
    expect(() => createClient({ address, token: "t", resources: { events: greeter } })).toThrow(
      /resources.events must be a name other than/,
    );
  });

  it("a token function that throws fails the call with AuthenticationError before anything is sent", async () => {
    await using im = createClient({
      address,
      token: () => {
        throw new Error("vault unreachable");
      },
    });
    const call = im.context.unary(ServerInfoServiceDefinition.getServerInfo, {});
    await expect(call).rejects.toBeInstanceOf(AuthenticationError);
    await expect(call).rejects.toMatchObject({ code: "TOKEN_UNAVAILABLE", retryable: false });
  });

  it("an aborted signal cancels a unary call with CancelledError", async () => {
    await using im = createClient({ address, token: "t" });
    const controller = new AbortController();
    controller.abort();
    await expect(
      im.context.unary(
        ServerInfoServiceDefinition.getServerInfo,
        {},
        { signal: controller.signal },
      ),
    ).rejects.toBeInstanceOf(CancelledError);
  });

  it("close() is idempotent and calls after close fail with CLIENT_CLOSED", async () => {
    const im = createClient({ address, token: "t" });
    const first = im.close();
    expect(im.close()).toBe(first);
    await first;
    await expect(im.events.getLogInfo()).rejects.toMatchObject({ code: "CLIENT_CLOSED" });
  });
});

describe("requests the codec rejects", () => {
  it("are a ValidationError before any network call, for unary calls and streams", async () => {
    const { EventLogServiceDefinition, EventServiceDefinition } = await import(
      "@threadline/protocol"
    );
    await using im = createClient({ address, token: "t" });
    // The codec refuses 64-bit values it cannot represent exactly.
    const unary = im.context.unary(EventLogServiceDefinition.fetchEvents, {
      afterSequence: 2 ** 64,
      limit: 1,
    });
    await expect(unary).rejects.toBeInstanceOf(ValidationError);
    await expect(unary).rejects.toThrow(/FetchEvents request could not be encoded: uint64 value/);
    const stream = im.context.stream(
      EventServiceDefinition.catchUpEvents,
      { afterSequence: 2 ** 64 },
      (frame) => frame,
    );
    await expect(stream.ready).rejects.toBeInstanceOf(ValidationError);
  });
});
