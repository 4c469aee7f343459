// Runs the built package (tests run after `build`): the child process entry only exists
// as compiled JavaScript.
import { EventServiceDefinition, type photon } from "@threadline/protocol";
import { startSeededServerProcess } from "@threadline/server/testing";
import { describe, expect, it } from "vitest";
import { collect, createRawClient } from "./support/grpc-client.js";

type CatchUpFrame = photon.imessage.v1.CatchUpEventsResponse;

describe("startSeededServerProcess", () => {
  it("serves a log of received messages from a child process, then stops it", async () => {
    const seeded = await startSeededServerProcess(1234);
    const events = createRawClient(seeded.address, EventServiceDefinition, seeded.token);
    try {
      const frames = await collect<CatchUpFrame>(events.stream("catchUpEvents", {}));
      const sequences = frames.flatMap((frame) =>
        frame.messageChanged?.messageReceived ? [frame.sequence] : [],
      );
      expect(sequences).toEqual(Array.from({ length: 1234 }, (_, index) => index + 1));
      expect(frames.at(-1)?.complete?.headSequence).toBe(1234);
    } finally {
      events.close();
      await seeded.stop();
    }
    const afterStop = createRawClient(seeded.address, EventServiceDefinition, seeded.token);
    try {
      await expect(collect(afterStop.stream("catchUpEvents", {}))).rejects.toMatchObject({
        code: 14, // UNAVAILABLE: nothing listens any more
      });
    } finally {
      afterStop.close();
    }
  });

  it("rejects a negative count before starting anything", async () => {
    await expect(startSeededServerProcess(-1)).rejects.toThrow(/non-negative safe integer/);
  });
});
