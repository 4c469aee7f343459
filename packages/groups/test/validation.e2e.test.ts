import { ValidationError } from "@threadline/core";
import { recordingContext } from "@threadline/core/testing";
import { GroupServiceDefinition } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { groups } from "../src/index.js";
import { pngBytes, startGroupsFixture } from "./groups-fixture.js";

type Fixture = Awaited<ReturnType<typeof startGroupsFixture>>;
type Groups = ReturnType<typeof groups>;

/** A resource on a recording context, so a test can prove a rejection sent nothing. */
function recordedGroups(fixture: Fixture) {
  const { calls, streams, context } = recordingContext(fixture.alice.context);
  return { calls, streams, groups: groups(context) };
}

const group = "any;+;group1";
const tooMany = Array.from({ length: 101 }, (_, index) => `person${index}@example.com`);

const rejections: ReadonlyArray<readonly [string, (im: Groups) => Promise<unknown>, RegExp]> = [
  [
    "a direct chat GUID (setDisplayName)",
    (im) => im.setDisplayName("any;-;bob@example.com", "Name"),
    /chat is a direct chat GUID; expected a group chat GUID "any;\+;<group id>"/,
  ],
  ["a malformed GUID", (im) => im.setDisplayName("bob@example.com", "Name"), /^chat /],
  ["a non-string GUID", (im) => im.leave(42 as never), /^chat /],
  ["a group GUID with a space", (im) => im.removeIcon("any;+;a b"), /^chat /],
  ["a direct chat GUID (leave)", (im) => im.leave("any;-;bob@example.com"), /direct chat GUID/],
  ["a direct chat GUID (getIcon)", (im) => im.getIcon("any;-;bob@example.com"), /direct chat GUID/],
  [
    "a name over 256 characters",
    (im) => im.setDisplayName(group, "x".repeat(257)),
    /displayName is 257 characters long; expected a string of at most 256/,
  ],
  [
    "a name that is not a string",
    (im) => im.setDisplayName(group, null as never),
    /displayName must be/,
  ],
  [
    "no addresses",
    (im) => im.addParticipants(group, []),
    /addresses lists 0 addresses; expected an array of 1 to 100/,
  ],
  [
    "more than 100 addresses",
    (im) => im.addParticipants(group, tooMany),
    /addresses lists 101 addresses/,
  ],
  [
    "addresses not an array",
    (im) => im.addParticipants(group, "a@b.com" as never),
    /addresses must be an array/,
  ],
  ["an invalid email", (im) => im.addParticipants(group, ["bob@example"]), /addresses\[0\]/],
  ["a short code", (im) => im.removeParticipants(group, ["12345"]), /addresses\[0\].*short code/],
  [
    "a national number",
    (im) => im.addParticipants(group, ["ok@example.com", "4155550100"]),
    /addresses\[1\]/,
  ],
  [
    "a premium-rate number",
    (im) => im.addParticipants(group, ["+19005550199"]),
    /addresses\[0\].*premium-rate/,
  ],
  [
    "duplicates after normalisation",
    (im) => im.removeParticipants(group, ["bob@example.com", "BOB@example.com"]),
    /addresses\[1\] repeats addresses\[0\]/,
  ],
  ["empty icon bytes", (im) => im.setIcon(group, new Uint8Array(0)), /data is empty/],
  [
    "icon bytes that are no image",
    (im) => im.setIcon(group, Uint8Array.from([1, 2, 3, 4])),
    /data is not a supported image/,
  ],
  [
    "an icon over 10 MiB",
    (im) => im.setIcon(group, new Uint8Array(10 * 1024 * 1024 + 1).fill(0xff)),
    /data is 10485761 bytes/,
  ],
  [
    "an icon as a file name",
    (im) => im.setIcon(group, "icon.png" as never),
    /data must be the bytes/,
  ],
  [
    "a blank clientMessageId",
    (im) => im.leave(group, { clientMessageId: " " }),
    /options\.clientMessageId must be a non-empty string/,
  ],
  [
    "options that are not an object",
    (im) => im.getIcon(group, "fast" as never),
    /options must be an object/,
  ],
  [
    "a signal that is not an AbortSignal",
    (im) => im.setIcon(group, pngBytes, { signal: {} as never }),
    /options\.signal must be an AbortSignal/,
  ],
];

describe("client-side validation happens before any network call", () => {
  it("the recorder sees a valid call, so an empty record below means nothing was sent", async () => {
    await using fixture = await startGroupsFixture();
    const recorded = recordedGroups(fixture);
    await recorded.groups.setDisplayName(fixture.group, "Seen");
    expect(recorded.calls.map((call) => call.path)).toEqual([
      "/photon.imessage.v1.GroupService/SetDisplayName",
    ]);
  });

  it.each(rejections)(
    "%s is a ValidationError that says what is allowed, and no RPC goes out",
    async (_name, call, message) => {
      await using fixture = await startGroupsFixture();
      const recorded = recordedGroups(fixture);
      const attempt = call(recorded.groups);
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toThrow(message);
      await expect(attempt).rejects.toMatchObject({ code: "INVALID_ARGUMENT", retryable: false });
      expect(recorded.calls).toEqual([]);
    },
  );

  it("subscribeEvents rejects a filter that is not a group GUID synchronously, opening no stream", async () => {
    await using fixture = await startGroupsFixture();
    const recorded = recordedGroups(fixture);
    expect(() => recorded.groups.subscribeEvents({ chat: "any;-;bob@example.com" })).toThrow(
      /filter\.chat is a direct chat GUID/,
    );
    expect(() => recorded.groups.subscribeEvents({ chat: "bob" })).toThrow(ValidationError);
    expect(() => recorded.groups.subscribeEvents("any;+;g" as never)).toThrow(
      /filter must be an object/,
    );
    expect(recorded.streams).toEqual([]);
  });
});

describe("the server re-checks what the SDK refuses to send (raw RPC, no SDK checks)", () => {
  /** Calls through the client's context: auth and error mapping, but no resource checks. */
  async function rawRejection(
    fixture: Fixture,
    call: (context: Fixture["alice"]["context"]) => Promise<unknown>,
  ) {
    const before = (await fixture.alice.events.getLogInfo()).headSequence;
    const error: unknown = await call(fixture.alice.context).then(
      () => undefined,
      (rejected: unknown) => rejected,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT", grpcCode: 3 });
    // Nothing was half-written: no event reached the log.
    expect((await fixture.alice.events.getLogInfo()).headSequence).toBe(before);
    return error;
  }

  type Context = Fixture["alice"]["context"];
  const write = { mutating: true } as const;
  it.each([
    [
      "SetDisplayName",
      (context: Context, chatGuid: string) =>
        context.unary(GroupServiceDefinition.setDisplayName, { chatGuid, displayName: "x" }, write),
    ],
    [
      "AddParticipants",
      (context: Context, chatGuid: string) =>
        context.unary(
          GroupServiceDefinition.addParticipants,
          { chatGuid, addresses: ["dave@example.com"] },
          write,
        ),
    ],
    [
      "RemoveParticipants",
      (context: Context, chatGuid: string) =>
        context.unary(
          GroupServiceDefinition.removeParticipants,
          { chatGuid, addresses: ["bob@example.com"] },
          write,
        ),
    ],
    [
      "LeaveGroup",
      (context: Context, chatGuid: string) =>
        context.unary(GroupServiceDefinition.leaveGroup, { chatGuid }, write),
    ],
    [
      "SetIcon",
      (context: Context, chatGuid: string) =>
        context.unary(GroupServiceDefinition.setIcon, { chatGuid, data: pngBytes }, write),
    ],
    [
      "RemoveIcon",
      (context: Context, chatGuid: string) =>
        context.unary(GroupServiceDefinition.removeIcon, { chatGuid }, write),
    ],
    [
      "GetIcon",
      (context: Context, chatGuid: string) =>
        context.unary(GroupServiceDefinition.getIcon, { chatGuid }),
    ],
  ])(
    "%s on a direct chat is INVALID_ARGUMENT (groups only) and on a malformed GUID too",
    async (_name, call) => {
      await using fixture = await startGroupsFixture();
      const error = await rawRejection(fixture, (context) => call(context, fixture.direct));
      expect(String(error)).toMatch(/direct chat/);
      await rawRejection(fixture, (context) => call(context, "bob@example.com"));
    },
  );

  it.each([
    ["a malformed chat GUID", { chatGuid: "bob@example.com", addresses: ["dave@example.com"] }],
    ["no addresses", { addresses: [] }],
    ["an invalid email", { addresses: ["bob@example"] }],
    ["a short code", { addresses: ["12345"] }],
    ["a service number", { addresses: ["+19005550199"] }],
    ["duplicates after normalisation", { addresses: ["dave@example.com", "DAVE@example.com"] }],
    ["more than 100 addresses", { addresses: tooMany }],
  ])("AddParticipants with %s is INVALID_ARGUMENT and adds nobody", async (_name, fields) => {
    await using fixture = await startGroupsFixture();
    await rawRejection(fixture, (context) =>
      context.unary(
        GroupServiceDefinition.addParticipants,
        { chatGuid: fixture.group, ...fields },
        {
          mutating: true,
        },
      ),
    );
    expect((await fixture.alice.chats.get(fixture.group)).participants).toHaveLength(2);
  });

  it("SetDisplayName over 256 characters is INVALID_ARGUMENT and keeps the name", async () => {
    await using fixture = await startGroupsFixture();
    await fixture.alice.groups.setDisplayName(fixture.group, "Kept");
    await rawRejection(fixture, (context) =>
      context.unary(
        GroupServiceDefinition.setDisplayName,
        { chatGuid: fixture.group, displayName: "x".repeat(257) },
        { mutating: true },
      ),
    );
    expect((await fixture.alice.chats.get(fixture.group)).displayName).toBe("Kept");
  });

  it.each([
    ["empty bytes", new Uint8Array(0)],
    ["bytes that are no image", Uint8Array.from([1, 2, 3, 4])],
  ])("SetIcon with %s is INVALID_ARGUMENT and sets no icon", async (_name, data) => {
    await using fixture = await startGroupsFixture();
    await rawRejection(fixture, (context) =>
      context.unary(
        GroupServiceDefinition.setIcon,
        { chatGuid: fixture.group, data },
        {
          mutating: true,
        },
      ),
    );
    await expect(fixture.alice.groups.getIcon(fixture.group)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});
