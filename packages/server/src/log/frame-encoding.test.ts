import { photon, threadline } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import {
  type EncodableEvent,
  encodeBatchFrame,
  encodeCatchUpFrame,
  encodeFetchResponse,
  encodeSubscribeFrame,
} from "./frame-encoding.js";

// Change events whose encodings hold zero bytes, 0xff bytes and a length past 127.
const payloads = ["", "\u0000\u00ff", "x".repeat(300)].map((text) =>
  Buffer.from(photon.imessage.v1.MessageChangeEvent.encode({ chatGuid: text }).finish()),
);

function asBytes(sequence: number, payload: Buffer): EncodableEvent {
  return { sequence, kind: "message", payload };
}

function asHex(sequence: number, payload: Buffer): EncodableEvent {
  return { sequence, kind: "message", payloadHex: payload.toString("hex").toUpperCase() };
}

describe("frame encoding", () => {
  it("a payload read as hex encodes to the same bytes as the payload itself", () => {
    const sequences = [1, 200, 2 ** 40];
    const bytes = payloads.map((payload, index) => asBytes(sequences[index] ?? 1, payload));
    const hex = payloads.map((payload, index) => asHex(sequences[index] ?? 1, payload));
    expect(encodeBatchFrame(hex)).toEqual(encodeBatchFrame(bytes));
    expect(encodeFetchResponse(hex, 5, true)).toEqual(encodeFetchResponse(bytes, 5, true));
    hex.forEach((event, index) => {
      const same = bytes[index];
      if (same === undefined) throw new Error("missing event");
      expect(encodeCatchUpFrame(event)).toEqual(encodeCatchUpFrame(same));
      expect(encodeSubscribeFrame(event)).toEqual(encodeSubscribeFrame(same));
    });
  });

  it("a batch frame of hex payloads decodes to the events in order", () => {
    const frame = encodeBatchFrame(payloads.map((payload, index) => asHex(index + 1, payload)));
    const decoded = threadline.v1.CatchUpEventBatchesResponse.decode(frame);
    const events = decoded.batch?.events ?? [];
    expect(events.map((event) => Number(event.sequence))).toEqual([1, 2, 3]);
    expect(events.map((event) => event.messageChanged?.chatGuid)).toEqual([
      "",
      "\u0000\u00ff",
      "x".repeat(300),
    ]);
  });
});
