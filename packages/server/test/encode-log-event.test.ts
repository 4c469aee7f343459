import { photon, timestampFromDate } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { encodeLogEvent } from "../src/storage/encode-log-event.js";
import type { LogEventInput } from "../src/storage/write-context.js";

const v1 = photon.imessage.v1;
const now = new Date("2026-11-23T10:11:12.345Z");

/** What the encoder gives when occurredAt is set on a copy of the event (the reference). */
function reference(input: LogEventInput): Uint8Array {
  const occurredAt = input.event.occurredAt ?? timestampFromDate(now);
  switch (input.kind) {
    case "message":
      return v1.MessageChangeEvent.encode({ ...input.event, occurredAt }).finish();
    case "group":
      return v1.GroupChangeEvent.encode({ ...input.event, occurredAt }).finish();
    case "chat":
      return v1.ChatChangeEvent.encode({ ...input.event, occurredAt }).finish();
    case "poll":
      return v1.PollChangeEvent.encode({ ...input.event, occurredAt }).finish();
  }
}

const longGuid = `any;-;${"ü".repeat(200)}@example.com`;
const inputs: readonly [string, LogEventInput][] = [
  [
    "message",
    {
      kind: "message",
      event: {
        chatGuid: "any;-;bob@example.com",
        actor: { address: "bob@example.com" },
        messageReceived: { message: { guid: "m1", content: { text: "hi" } } },
      },
    },
  ],
  ["message with a long multi-byte chat GUID", { kind: "message", event: { chatGuid: longGuid } }],
  [
    "message with its own occurredAt",
    { kind: "message", event: { chatGuid: "any;-;a@x.com", occurredAt: { seconds: 5, nanos: 6 } } },
  ],
  ["group", { kind: "group", event: { chatGuid: "any;+;group-1", isFromMe: true } }],
  ["chat", { kind: "chat", event: { chatGuid: "any;-;a@x.com" } }],
  [
    "poll",
    {
      kind: "poll",
      event: { chatGuid: "any;+;group-1", pollMessageGuid: longGuid, isFromMe: true },
    },
  ],
];

describe("encodeLogEvent", () => {
  it.each(inputs)("stores exactly the bytes of the event with occurredAt set (%s)", (_, input) => {
    const encoded = encodeLogEvent(input, now);
    expect(Buffer.from(encoded.payload).equals(Buffer.from(reference(input)))).toBe(true);
  });

  it("an unset occurredAt becomes the write's time", () => {
    const encoded = encodeLogEvent({ kind: "chat", event: { chatGuid: "any;-;a@x.com" } }, now);
    const decoded = v1.ChatChangeEvent.decode(encoded.payload);
    expect(decoded.occurredAt?.seconds).toBe(Math.floor(now.getTime() / 1000));
    expect(decoded.occurredAt?.nanos).toBe(345_000_000);
  });

  it("rejects a poll event without a poll message GUID", () => {
    expect(() => encodeLogEvent({ kind: "poll", event: { chatGuid: "any;+;g" } }, now)).toThrow(
      "pollMessageGuid",
    );
  });
});
