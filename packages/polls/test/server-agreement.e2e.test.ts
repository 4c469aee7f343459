import { ValidationError } from "@threadline/core";
import { PollServiceDefinition } from "@threadline/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkPollChoices, checkPollText } from "../src/poll-text.js";
import { startPollsFixture } from "./polls-fixture.js";

/** Whether `check` accepts without throwing; an error other than ValidationError fails the test. */
function sdkAccepts(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch (error) {
    if (error instanceof ValidationError) return false;
    throw error;
  }
}

/** Whether the server accepts the call; an error other than INVALID_ARGUMENT fails the test. */
function serverAccepts(call: Promise<unknown>): Promise<boolean> {
  return call.then(
    () => true,
    (error: unknown) => (error instanceof ValidationError ? false : Promise.reject(error)),
  );
}

/** Poll text: ordinary words, case and space variants of each other, blanks, and lengths around 256. */
const pollText = fc.oneof(
  fc.constantFrom(
    "Pizza",
    "pizza",
    " PIZZA ",
    "Sushi",
    "Straße",
    "STRASSE",
    "İstanbul",
    "",
    " ",
    "\t",
  ),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: 250, max: 262 }).map((length) => "o".repeat(length)),
  fc.integer({ min: 0, max: 8 }).map((pad) => `${" ".repeat(pad)}${"p".repeat(252)}`),
);

describe("the SDK's checks agree with the server's", () => {
  it("a poll (title and choices) is refused before the network exactly when the server would refuse it", async () => {
    await using fixture = await startPollsFixture();
    await fc.assert(
      fc.asyncProperty(pollText, fc.array(pollText, { maxLength: 34 }), async (title, choices) => {
        const sdk = sdkAccepts(() => {
          checkPollText("title", title);
          checkPollChoices("choices", choices);
        });
        const server = await serverAccepts(
          fixture.alice.context.unary(
            PollServiceDefinition.createPoll,
            { chatGuid: fixture.group, title, options: choices },
            { mutating: true },
          ),
        );
        expect(sdk, JSON.stringify({ title, choices })).toBe(server);
      }),
      { numRuns: 200 },
    );
  });

  it("added option text is refused before the network exactly when the server would refuse it", async () => {
    await using fixture = await startPollsFixture();
    await fc.assert(
      fc.asyncProperty(pollText, async (text) => {
        // A fresh poll each run, so only the text decides (not earlier additions).
        const poll = await fixture.alice.polls.create(fixture.group, "Q", ["Alpha", "Beta"]);
        const sdk = sdkAccepts(() => checkPollText("text", text));
        const server = await serverAccepts(
          fixture.alice.context.unary(
            PollServiceDefinition.addPollOption,
            { pollMessageGuid: poll.pollMessageGuid, optionText: text },
            { mutating: true },
          ),
        );
        expect(sdk, JSON.stringify(text)).toBe(server);
      }),
      { numRuns: 100 },
    );
  });
});
