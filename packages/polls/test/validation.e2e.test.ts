import { ValidationError } from "@threadline/core";
import { recordingContext } from "@threadline/core/testing";
import { PollServiceDefinition } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { polls } from "../src/index.js";
import { startPollsFixture } from "./polls-fixture.js";

type Fixture = Awaited<ReturnType<typeof startPollsFixture>>;
type Polls = ReturnType<typeof polls>;
type Context = Fixture["alice"]["context"];

const group = "any;+;group1";
const pollGuid = "6F1C2B4E-0000-4000-8000-000000000001";
const long = "x".repeat(257);
const thirtyThree = Array.from({ length: 33 }, (_, index) => `Choice ${index}`);

const rejections: ReadonlyArray<readonly [string, (im: Polls) => Promise<unknown>, RegExp]> = [
  ["a malformed chat GUID", (im) => im.create("bob@example.com", "Q", ["A", "B"]), /^chat /],
  [
    "a chat GUID with a bad address",
    (im) => im.create("any;-;12345", "Q", ["A", "B"]),
    /chat address/,
  ],
  ["a blank title", (im) => im.create(group, "  ", ["A", "B"]), /title is blank/],
  [
    "a title over 256 characters",
    (im) => im.create(group, long, ["A", "B"]),
    /title is 257 characters long/,
  ],
  [
    "a title that is not a string",
    (im) => im.create(group, 7 as never, ["A", "B"]),
    /title must be/,
  ],
  [
    "one choice",
    (im) => im.create(group, "Q", ["A"]),
    /choices lists 1 option; expected an array of 2 to 32/,
  ],
  ["33 choices", (im) => im.create(group, "Q", thirtyThree), /choices lists 33 options/],
  [
    "choices not an array",
    (im) => im.create(group, "Q", "A,B" as never),
    /choices must be an array/,
  ],
  ["a blank choice", (im) => im.create(group, "Q", ["A", " "]), /choices\[1\] is blank/],
  [
    "a choice over 256 characters",
    (im) => im.create(group, "Q", ["A", long]),
    /choices\[1\] is 257/,
  ],
  [
    "a choice that is not a string",
    (im) => im.create(group, "Q", ["A", 2 as never]),
    /choices\[1\] must be/,
  ],
  [
    "choices the same ignoring case and spaces",
    (im) => im.create(group, "Q", ["Pizza", " PIZZA "]),
    /choices\[1\] repeats choices\[0\]/,
  ],
  [
    "an empty poll GUID (vote)",
    (im) => im.vote("", "option"),
    /pollMessage must be a poll message GUID/,
  ],
  [
    "a poll GUID with a space (get)",
    (im) => im.get("a b"),
    /pollMessage must be a poll message GUID/,
  ],
  [
    "a poll GUID over 128 characters (unvote)",
    (im) => im.unvote("x".repeat(129)),
    /pollMessage must be/,
  ],
  [
    "a poll GUID that is not a string (addOption)",
    (im) => im.addOption(5 as never, "A"),
    /pollMessage must be/,
  ],
  [
    "an empty option identifier",
    (im) => im.vote(pollGuid, ""),
    /optionId must be an option identifier/,
  ],
  [
    "an option identifier with spaces around",
    (im) => im.vote(pollGuid, " id "),
    /optionId must be/,
  ],
  ["blank option text", (im) => im.addOption(pollGuid, ""), /text is blank/],
  [
    "option text over 256 characters",
    (im) => im.addOption(pollGuid, long),
    /text is 257 characters long/,
  ],
  [
    "a blank clientMessageId",
    (im) => im.unvote(pollGuid, { clientMessageId: "" }),
    /options\.clientMessageId must be a non-empty string/,
  ],
  [
    "options that are not an object",
    (im) => im.get(pollGuid, 1 as never),
    /options must be an object/,
  ],
  [
    "a timeout that is not positive",
    (im) => im.get(pollGuid, { timeoutMs: 0 }),
    /options\.timeoutMs must be a positive/,
  ],
];

describe("client-side validation happens before any network call", () => {
  it("the recorder sees a valid call, so an empty record below means nothing was sent", async () => {
    await using fixture = await startPollsFixture();
    const recorded = recordingContext(fixture.alice.context);
    await polls(recorded.context).create(fixture.group, "Q", ["A", "B"]);
    expect(recorded.calls.map((call) => call.path)).toEqual([
      "/photon.imessage.v1.PollService/CreatePoll",
    ]);
  });

  it.each(rejections)(
    "%s is a ValidationError that says what is allowed, and no RPC goes out",
    async (_name, call, message) => {
      await using fixture = await startPollsFixture();
      const recorded = recordingContext(fixture.alice.context);
      const attempt = call(polls(recorded.context));
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toThrow(message);
      await expect(attempt).rejects.toMatchObject({ code: "INVALID_ARGUMENT", retryable: false });
      expect(recorded.calls).toEqual([]);
    },
  );

  it("subscribeEvents rejects a malformed filter synchronously, opening no stream", async () => {
    await using fixture = await startPollsFixture();
    const recorded = recordingContext(fixture.alice.context);
    const im = polls(recorded.context);
    expect(() => im.subscribeEvents({ pollMessage: "a b" })).toThrow(
      /filter\.pollMessage must be a poll message GUID/,
    );
    expect(() => im.subscribeEvents("poll" as never)).toThrow(/filter must be an object/);
    expect(recorded.streams).toEqual([]);
  });
});

describe("the server re-checks what the SDK refuses to send (raw RPC, no SDK checks)", () => {
  /** Calls through the client's context: auth and error mapping, but no resource checks. */
  async function rawRejection(fixture: Fixture, call: (context: Context) => Promise<unknown>) {
    const before = (await fixture.alice.events.getLogInfo()).headSequence;
    const error: unknown = await call(fixture.alice.context).then(
      () => undefined,
      (rejected: unknown) => rejected,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT", grpcCode: 3 });
    // Nothing was half-written: no event reached the log.
    expect((await fixture.alice.events.getLogInfo()).headSequence).toBe(before);
  }
  const write = { mutating: true } as const;

  it.each([
    ["a malformed chat GUID", { chatGuid: "bob@example.com" }],
    ["a blank title", { title: " " }],
    ["a title over 256 characters", { title: long }],
    ["one option", { options: ["A"] }],
    ["33 options", { options: thirtyThree }],
    ["a blank option", { options: ["A", ""] }],
    ["an option over 256 characters", { options: ["A", long] }],
    ["options the same ignoring case and spaces", { options: ["Pizza", " pizza"] }],
  ])("CreatePoll with %s is INVALID_ARGUMENT and posts no poll", async (_name, fields) => {
    await using fixture = await startPollsFixture();
    await rawRejection(fixture, (context) =>
      context.unary(
        PollServiceDefinition.createPoll,
        { chatGuid: fixture.group, title: "Q", options: ["A", "B"], ...fields },
        write,
      ),
    );
  });

  it.each([
    [
      "VotePoll",
      (context: Context, pollMessageGuid: string) =>
        context.unary(
          PollServiceDefinition.votePoll,
          { pollMessageGuid, optionIdentifier: "x" },
          write,
        ),
    ],
    [
      "UnvotePoll",
      (context: Context, pollMessageGuid: string) =>
        context.unary(PollServiceDefinition.unvotePoll, { pollMessageGuid }, write),
    ],
    [
      "AddPollOption",
      (context: Context, pollMessageGuid: string) =>
        context.unary(
          PollServiceDefinition.addPollOption,
          { pollMessageGuid, optionText: "C" },
          write,
        ),
    ],
    [
      "GetPoll",
      (context: Context, pollMessageGuid: string) =>
        context.unary(PollServiceDefinition.getPoll, { pollMessageGuid }),
    ],
  ])("%s with a malformed poll GUID is INVALID_ARGUMENT", async (_name, call) => {
    await using fixture = await startPollsFixture();
    await rawRejection(fixture, (context) => call(context, "a b"));
    await rawRejection(fixture, (context) => call(context, ""));
  });

  it.each([
    ["blank", " "],
    ["over 256 characters", long],
  ])(
    "AddPollOption with %s text is INVALID_ARGUMENT and adds nothing",
    async (_name, optionText) => {
      await using fixture = await startPollsFixture();
      const poll = await fixture.alice.polls.create(fixture.group, "Q", ["A", "B"]);
      await rawRejection(fixture, (context) =>
        context.unary(
          PollServiceDefinition.addPollOption,
          { pollMessageGuid: poll.pollMessageGuid, optionText },
          write,
        ),
      );
      expect((await fixture.alice.polls.get(poll.pollMessageGuid)).options).toHaveLength(2);
    },
  );
});
