import { ValidationError } from "@threadline/core";
import { MessageServiceDefinition, type photon } from "@threadline/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkMessageText, maxMessageTextLength } from "../src/message-text.js";
import { checkFormatting } from "../src/text-formatting.js";
import { aliceToBob, startMessagesFixture } from "./messages-fixture.js";

/** What the SDK's checks make of the text and ranges: the wire ranges, or a refusal. */
function sdkVerdict(text: string, ranges: readonly unknown[]) {
  try {
    checkMessageText("text", text);
    return { accepted: true as const, formatting: checkFormatting("formatting", ranges, text) };
  } catch (error) {
    if (error instanceof ValidationError) return { accepted: false as const };
    throw error;
  }
}

/** Texts with emoji (surrogate pairs), blanks and lengths around the server's limit. */
const text = fc.oneof(
  fc.constantFrom("hello world", "hi 👋 there", "👋👋", "a", " ", "", "\t\n"),
  fc.string({ maxLength: 12 }),
  fc
    .integer({ min: maxMessageTextLength - 1, max: maxMessageTextLength + 1 })
    .map((length) => "x".repeat(length)),
);

/** Ranges of every style and some that are not, with edges inside, at and past the text. */
const range = fc.record(
  {
    type: fc.constantFrom("bold", "italic", "underline", "strikethrough", "effect", "sparkle"),
    start: fc.integer({ min: -1, max: 13 }),
    length: fc.integer({ min: -1, max: 13 }),
    effect: fc.constantFrom("big", "shake", "bloom", "wobble"),
  },
  { requiredKeys: ["type", "start", "length"] },
);

describe("the SDK's checks agree with the server's", () => {
  it("text and formatting are refused before the network exactly when the server would refuse them, and stored as the SDK sent them", async () => {
    await using fixture = await startMessagesFixture();
    const outcomes = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(text, fc.array(range, { maxLength: 4 }), async (body, ranges) => {
        const sdk = sdkVerdict(body, ranges);
        const wire = ranges.map((item) => ({
          type: item.type,
          start: item.start,
          length: item.length,
          ...(item.effect === undefined ? {} : { effectName: item.effect }),
        }));
        const server = await fixture.alice.context
          .unary(
            MessageServiceDefinition.sendTextMessage,
            { chatGuid: aliceToBob, text: body, formatting: wire },
            { mutating: true },
          )
          .then(
            (response) => ({ accepted: true as const, response }),
            (error: unknown) =>
              error instanceof ValidationError
                ? { accepted: false as const }
                : Promise.reject(error),
          );
        const context = JSON.stringify({ body: body.slice(0, 20), length: body.length, ranges });
        expect(sdk.accepted, context).toBe(server.accepted);
        outcomes[server.accepted ? "accepted" : "refused"]++;
        if (sdk.accepted && server.accepted) {
          const plain = (items: readonly photon.imessage.v1.TextFormat.$Properties[]) =>
            items.map((item) => ({
              type: item.type,
              start: item.start,
              length: item.length,
              effectName: item.effectName ?? undefined,
            }));
          expect(plain(server.response.message?.content?.formatting ?? []), context).toEqual(
            plain(sdk.formatting),
          );
        }
      }),
      { numRuns: 200 },
    );
    // Both verdicts were exercised, so agreement means something.
    expect(outcomes.accepted).toBeGreaterThan(20);
    expect(outcomes.refused).toBeGreaterThan(20);
  });
});
