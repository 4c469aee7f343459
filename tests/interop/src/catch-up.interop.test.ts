import { AuthenticationError, ValidationError } from "@photon-ai/advanced-imessage/grpc";
import { createClient, SequenceNotRetainedError } from "@threadline/core";
import { startTestServer } from "@threadline/server/testing";
import { describe, expect, it } from "vitest";
import { collect, comparable, kindOf, seededKinds } from "./comparable.js";
import { connectPhoton, startInteropFixture } from "./fixture.js";
import { seedLog } from "./seed-log.js";

describe("published client: events.catchUp()", () => {
  it("replays from 0 the same events, field by field, as @threadline/core, ending in catchup.complete with the head", async () => {
    await using fixture = await startInteropFixture();
    await seedLog(fixture);
    const { headSequence } = await fixture.alice.threadline.events.getLogInfo();

    const published = await collect(fixture.alice.photon.events.catchUp(0));
    const threadline = await collect(fixture.alice.threadline.events.catchUp(0));

    expect(headSequence).toBeGreaterThanOrEqual(seededKinds.length);
    expect(published.at(-1)).toEqual({ type: "catchup.complete", headSequence });
    expect(published).toHaveLength(headSequence + 1);
    expect(
      published.slice(0, -1).map((event) => ("sequence" in event ? event.sequence : -1)),
    ).toEqual(Array.from({ length: headSequence }, (_, index) => index + 1));
    expect(new Set(published.map(kindOf))).toEqual(new Set([...seededKinds, "catchup.complete"]));
    expect(comparable(published)).toStrictEqual(comparable(threadline));
  });

  it("matches core's standard-RPC path too (useExtensions: false), not only the batched one", async () => {
    await using fixture = await startInteropFixture();
    await seedLog(fixture);
    const standard = createClient({
      address: fixture.server.address,
      token: fixture.alice.token,
      useExtensions: false,
    });
    try {
      const published = await collect(fixture.alice.photon.events.catchUp(0));
      expect(comparable(await collect(standard.events.catchUp(0)))).toStrictEqual(
        comparable(published),
      );
    } finally {
      await standard.close();
    }
  });

  it("replays from a midpoint only the later events and completes with the same head", async () => {
    await using fixture = await startInteropFixture();
    await seedLog(fixture);
    const { headSequence } = await fixture.alice.threadline.events.getLogInfo();
    const midpoint = Math.floor(headSequence / 2);

    const published = await collect(fixture.alice.photon.events.catchUp(midpoint));
    const threadline = await collect(fixture.alice.threadline.events.catchUp(midpoint));

    expect(published.at(-1)).toEqual({ type: "catchup.complete", headSequence });
    expect(
      published.slice(0, -1).map((event) => ("sequence" in event ? event.sequence : -1)),
    ).toEqual(Array.from({ length: headSequence - midpoint }, (_, index) => midpoint + index + 1));
    expect(comparable(published)).toStrictEqual(comparable(threadline));
  });

  it("replays each account's own log: Bob sees Alice's messages as not from him", async () => {
    await using fixture = await startInteropFixture();
    const { group } = await seedLog(fixture);
    const published = await collect(fixture.bob.photon.events.catchUp(0));
    const threadline = await collect(fixture.bob.threadline.events.catchUp(0));
    const fromAlice = published.find(
      (event) => event.type === "message.received" && event.chatGuid === group && !event.isFromMe,
    );
    expect(fromAlice).toMatchObject({ actor: { address: "alice@example.com" }, isFromMe: false });
    expect(comparable(published)).toStrictEqual(comparable(threadline));
  });

  it("an empty log completes at once with head 0", async () => {
    await using fixture = await startInteropFixture();
    expect(await collect(fixture.carol.photon.events.catchUp(0))).toEqual([
      { type: "catchup.complete", headSequence: 0 },
    ]);
  });

  it("before the retained window, both clients refuse with SEQUENCE_NOT_RETAINED; from its edge they agree", async () => {
    await using server = await startTestServer({ retention: { maxEvents: 3 } });
    const { token } = await server.accounts.create(["alice@example.com"]);
    await using published = connectPhoton(server.address, token);
    const threadline = createClient({ address: server.address, token });
    try {
      for (let index = 0; index < 6; index++) {
        await published.chats.create(["bob@example.com"], { message: `message ${index}` });
      }
      const { oldestRetainedSequence, headSequence } = await threadline.events.getLogInfo();
      expect(oldestRetainedSequence).toBeGreaterThan(1);
      // The published client maps FAILED_PRECONDITION to its ValidationError and keeps the error-code.
      const refusal = await collect(published.events.catchUp(0)).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(ValidationError);
      expect(refusal).toMatchObject({ code: "SEQUENCE_NOT_RETAINED" });
      await expect(collect(threadline.events.catchUp(0))).rejects.toBeInstanceOf(
        SequenceNotRetainedError,
      );
      const edge = oldestRetainedSequence - 1;
      const fromEdge = await collect(published.events.catchUp(edge));
      expect(fromEdge.at(-1)).toEqual({ type: "catchup.complete", headSequence });
      expect(comparable(fromEdge)).toStrictEqual(
        comparable(await collect(threadline.events.catchUp(edge))),
      );
    } finally {
      await threadline.close();
    }
  });

  it("a wrong token is the published client's AuthenticationError", async () => {
    await using fixture = await startInteropFixture();
    await using stranger = connectPhoton(fixture.server.address, "not-a-token");
    await expect(collect(stranger.events.catchUp(0))).rejects.toBeInstanceOf(AuthenticationError);
    await expect(stranger.chats.count()).rejects.toBeInstanceOf(AuthenticationError);
  });
});
