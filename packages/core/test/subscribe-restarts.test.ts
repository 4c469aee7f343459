import { MessageServiceDefinition } from "@threadline/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SubscribedEvent } from "../src/index.js";
import { startFixture, writeMessages } from "./fixture.js";

async function next(iterator: AsyncIterator<SubscribedEvent>): Promise<SubscribedEvent> {
  const result = await Promise.race([
    iterator.next(),
    new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 15_000)),
  ]);
  if (result === "timeout") throw new Error("no event within 15 s");
  if (result.done === true) throw new Error("the subscription ended");
  return result.value;
}

describe("subscribe under random restarts (property)", () => {
  it.each([
    ["SubscribeEvents", true],
    ["fallback", false],
  ])(
    "every event written arrives exactly once, in order, whatever the restart points (%s)",
    async (_name, useExtensions) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              writes: fc.integer({ min: 0, max: 4 }),
              restart: fc.boolean(),
              read: fc.boolean(),
            }),
            {
              minLength: 1,
              maxLength: 4,
            },
          ),
          async (steps) => {
            await using fixture = await startFixture({ heartbeatIntervalMs: 1000 });
            const writer = fixture.client();
            const reader = fixture.client({ useExtensions });
            const chatGuid = await writeMessages(writer, 1);
            let written = 1;
            const stream = reader.events.subscribe({
              reconnect: { initialDelay: 10, maxDelay: 100 },
            });
            const iterator = stream[Symbol.asyncIterator]();
            const seen: number[] = [];
            for (const step of steps) {
              for (let index = 0; index < step.writes; index++) {
                written += 1;
                await writer.context.unary(
                  MessageServiceDefinition.sendTextMessage,
                  { chatGuid, text: `message ${written}` },
                  { mutating: true },
                );
              }
              if (step.read)
                while (seen.length < written) seen.push((await next(iterator)).sequence);
              if (step.restart) await fixture.server.restart();
            }
            while (seen.length < written) seen.push((await next(iterator)).sequence);
            // A late duplicate of the tail would show up before this sentinel.
            await writer.context.unary(
              MessageServiceDefinition.sendTextMessage,
              { chatGuid, text: "sentinel" },
              { mutating: true },
            );
            seen.push((await next(iterator)).sequence);
            written += 1;
            await stream.close();
            expect(seen).toEqual(Array.from({ length: written }, (_, index) => index + 1));
          },
        ),
        { numRuns: 6 },
      );
    },
    120_000,
  );
});
