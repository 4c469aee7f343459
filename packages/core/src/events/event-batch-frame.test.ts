import { photon, threadline } from "@threadline/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEventBatchFrame } from "./event-batch-frame.js";
import { eventFromFrame } from "./event-mapper.js";

const v1 = photon.imessage.v1;
type Element = photon.imessage.v1.CatchUpEventsResponse.$Properties;

const occurredAt = { seconds: 1_700_000_000, nanos: 5_000_000 };
const actor = {
  address: "bob@example.com",
  service: v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE,
};

/** One element of each kind a batch can carry, keyed by a small number. */
function element(kind: number, sequence: number, text: string): Element {
  switch (kind) {
    case 0:
      return {
        sequence,
        messageChanged: {
          chatGuid: "any;-;bob@example.com",
          occurredAt,
          actor,
          messageReceived: {
            message: { guid: `m${sequence}`, content: { text }, dateCreated: occurredAt },
          },
        },
      };
    case 1:
      return { sequence, chatChanged: { chatGuid: "any;-;bob@example.com", markedRead: {} } };
    case 2:
      return {
        sequence,
        groupChanged: {
          chatGuid: "any;+;group",
          occurredAt,
          displayNameChanged: { displayName: text },
        },
      };
    case 3:
      return {
        sequence,
        pollChanged: {
          chatGuid: "any;+;group",
          pollMessageGuid: "p1",
          voted: { optionIdentifier: text },
        },
      };
    case 4:
      // A payload this SDK does not model inside an element: decoded generically.
      return { sequence, heartbeat: {} };
    default:
      return { complete: { headSequence: sequence } };
  }
}

const batchFrame = (elements: Element[]) =>
  threadline.v1.SubscribeEventsResponse.encode({ batch: { events: elements } }).finish();

/** What the generated decoder makes of a SubscribeEventsResponse, mapped to domain events. */
function generated(bytes: Uint8Array) {
  const events = threadline.v1.SubscribeEventsResponse.decode(bytes).batch?.events ?? [];
  return events.map((frame) => eventFromFrame(frame));
}

describe("decodeEventBatchFrame", () => {
  it("maps every element exactly as the generated decoder's output maps", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            kind: fc.integer({ min: 0, max: 5 }),
            sequence: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
            text: fc.string(),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        (specs) => {
          const bytes = batchFrame(
            specs.map((spec) => element(spec.kind, spec.sequence, spec.text)),
          );
          const decoded = decodeEventBatchFrame(bytes);
          expect(decoded).toBeDefined();
          expect(decoded?.map((frame) => eventFromFrame(frame))).toEqual(generated(bytes));
        },
      ),
    );
  });

  it("reads a CatchUpEventBatchesResponse batch the same way (the same field 10)", () => {
    const elements = [element(0, 1, "a"), element(1, 2, "b")];
    const bytes = threadline.v1.CatchUpEventBatchesResponse.encode({
      batch: { events: elements },
    }).finish();
    expect(decodeEventBatchFrame(bytes)?.map((frame) => eventFromFrame(frame))).toEqual(
      generated(batchFrame(elements)),
    );
  });

  it("returns undefined for frames that are not only a batch, decoding nothing", () => {
    const notBatches = [
      threadline.v1.SubscribeEventsResponse.encode({ live: { headSequence: 5 } }).finish(),
      threadline.v1.SubscribeEventsResponse.encode({ heartbeat: {} }).finish(),
      threadline.v1.CatchUpEventBatchesResponse.encode({ complete: { headSequence: 5 } }).finish(),
      new Uint8Array(0),
      // A batch followed by a field this SDK does not know (field 50, varint).
      Uint8Array.from([...batchFrame([element(0, 1, "a")]), 0x90, 0x03, 0x01]),
    ];
    for (const bytes of notBatches) expect(decodeEventBatchFrame(bytes)).toBeUndefined();
  });

  it("an element with a field it does not know is decoded like the generated decoder does", () => {
    const plain = v1.CatchUpEventsResponse.encode(element(0, 9, "x")).finish();
    // Field 50 (varint 1) appended inside the element: skipped by the generated decoder.
    const withUnknown = Uint8Array.from([...plain, 0x90, 0x03, 0x01]);
    const bytes = Uint8Array.from([
      0x52,
      withUnknown.length + 2,
      0x0a,
      withUnknown.length,
      ...withUnknown,
    ]);
    const decoded = decodeEventBatchFrame(bytes)?.map((frame) => eventFromFrame(frame));
    expect(decoded).toEqual(generated(bytes));
    expect(decoded?.[0]).toMatchObject({ type: "message.received", sequence: 9 });
  });

  it("events of several batch fields in one frame come in order, as the generated decoder merges them", () => {
    const first = batchFrame([element(0, 1, "a")]);
    const second = batchFrame([element(1, 2, "b"), element(0, 3, "c")]);
    const bytes = Uint8Array.from([...first, ...second]);
    const decoded = decodeEventBatchFrame(bytes)?.map((frame) => eventFromFrame(frame));
    expect(decoded?.map((event) => event?.sequence)).toEqual([1, 2, 3]);
    expect(decoded).toEqual(generated(bytes));
  });

  it("truncated bytes throw instead of yielding a partial batch", () => {
    const bytes = batchFrame([element(0, 1, "a"), element(0, 2, "b")]);
    for (const cut of [1, 5, bytes.length - 1]) {
      expect(() => decodeEventBatchFrame(bytes.subarray(0, cut))).toThrow(RangeError);
    }
  });

  it("a sequence above 2^53 - 1 is refused by the mapper, never rounded into a valid one", () => {
    // Field 1 varint 2^53 + 1, then an event payload.
    const payload = v1.MessageChangeEvent.encode(element(0, 1, "a").messageChanged ?? {}).finish();
    const elementBytes = Uint8Array.from([
      0x08,
      0x81,
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x10,
      0x52,
      payload.length,
      ...payload,
    ]);
    const bytes = Uint8Array.from([
      0x52,
      elementBytes.length + 2,
      0x0a,
      elementBytes.length,
      ...elementBytes,
    ]);
    const frames = decodeEventBatchFrame(bytes);
    expect(frames?.[0]?.sequence).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    expect(() => eventFromFrame(frames?.[0] ?? {})).toThrow(/positive safe integers/);
  });
});
