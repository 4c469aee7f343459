import { photon } from "@threadline/protocol";
import type { EventFrame } from "./event-mapper.js";

// Wire tags: (field number << 3) | wire type; 0 is varint, 2 is length-delimited.
const batchTag = 0x52; // SubscribeEventsResponse / CatchUpEventBatchesResponse: EventBatch batch = 10
const elementTag = 0x0a; // EventBatch: repeated CatchUpEventsResponse events = 1
const sequenceTag = 0x08; // CatchUpEventsResponse: optional uint64 sequence = 1
const messageChangedTag = 0x52; // field 10
const groupChangedTag = 0x5a; // field 11
const pollChangedTag = 0x62; // field 12
const chatChangedTag = 0x6a; // field 13

const { MessageChangeEvent, GroupChangeEvent, PollChangeEvent, ChatChangeEvent } =
  photon.imessage.v1;

/** A varint at `offset` and the offset after it; throws RangeError past `end`. */
function readVarint(bytes: Uint8Array, offset: number, end: number): [number, number] {
  let value = 0;
  let scale = 1;
  let position = offset;
  for (;;) {
    if (position >= end) throw new RangeError("index out of range: truncated varint");
    const byte = bytes[position++] ?? 0;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, position];
    scale *= 128;
    if (position - offset >= 10) throw new RangeError("invalid varint: more than 10 bytes");
  }
}

/** The end of a length-delimited field whose length varint starts at `offset`: [start, end]. */
function readLength(bytes: Uint8Array, offset: number, end: number): [number, number] {
  const [length, start] = readVarint(bytes, offset, end);
  if (start + length > end) throw new RangeError("index out of range: truncated field");
  return [start, start + length];
}

/**
 * The elements of a frame made only of `EventBatch` fields, as [start, end] byte ranges
 * in order; undefined when the frame or a batch in it holds any other field (a live
 * marker, `complete`, a heartbeat, or a field this SDK does not know).
 */
function batchElements(bytes: Uint8Array): [number, number][] | undefined {
  const elements: [number, number][] = [];
  let position = 0;
  while (position < bytes.length) {
    if (bytes[position] !== batchTag) return undefined;
    const [batchStart, batchEnd] = readLength(bytes, position + 1, bytes.length);
    let inner = batchStart;
    while (inner < batchEnd) {
      if (bytes[inner] !== elementTag) return undefined;
      const element = readLength(bytes, inner + 1, batchEnd);
      elements.push(element);
      inner = element[1];
    }
    position = batchEnd;
  }
  return elements;
}

/** One element's event fields, or undefined when it holds anything else (decoded generically then). */
function readElement(bytes: Uint8Array, start: number, end: number): EventFrame | undefined {
  const frame: {
    sequence?: number;
    messageChanged?: EventFrame["messageChanged"];
    groupChanged?: EventFrame["groupChanged"];
    pollChanged?: EventFrame["pollChanged"];
    chatChanged?: EventFrame["chatChanged"];
  } = {};
  let position = start;
  while (position < end) {
    const tag = bytes[position];
    if (tag === sequenceTag) {
      const [sequence, next] = readVarint(bytes, position + 1, end);
      frame.sequence = sequence;
      position = next;
      continue;
    }
    if (
      tag !== messageChangedTag &&
      tag !== groupChangedTag &&
      tag !== pollChangedTag &&
      tag !== chatChangedTag
    ) {
      return undefined;
    }
    const [payloadStart, payloadEnd] = readLength(bytes, position + 1, end);
    // A repeated payload field merges into the first: the generated decoder does that.
    if (
      (tag === messageChangedTag && frame.messageChanged !== undefined) ||
      (tag === groupChangedTag && frame.groupChanged !== undefined) ||
      (tag === pollChangedTag && frame.pollChanged !== undefined) ||
      (tag === chatChangedTag && frame.chatChanged !== undefined)
    ) {
      return undefined;
    }
    const payload = bytes.subarray(payloadStart, payloadEnd);
    if (tag === messageChangedTag) frame.messageChanged = MessageChangeEvent.decode(payload);
    else if (tag === groupChangedTag) frame.groupChanged = GroupChangeEvent.decode(payload);
    else if (tag === pollChangedTag) frame.pollChanged = PollChangeEvent.decode(payload);
    else frame.chatChanged = ChatChangeEvent.decode(payload);
    position = payloadEnd;
  }
  return frame;
}

/**
 * Decodes a frame that carries only an `EventBatch` (field 10 of both
 * `SubscribeEventsResponse` and `CatchUpEventBatchesResponse`) into its event elements,
 * in order, without building the envelope objects the generated decoder would: the
 * envelope cost as much as the event inside it on a live stream of one-event frames.
 * Payloads are decoded by the generated decoders. An element holding anything but a
 * sequence and one event payload is decoded by the generated decoder as a whole, so
 * unknown fields and payloads keep their meaning.
 *
 * Returns undefined, having decoded nothing, for any other frame (a live marker,
 * `complete`, a heartbeat): decode those with the generated decoder. Throws (as the
 * generated decoder does) for truncated or malformed bytes.
 *
 * @internal not covered by semver
 */
export function decodeEventBatchFrame(bytes: Uint8Array): EventFrame[] | undefined {
  if (bytes.length === 0) return undefined;
  const elements = batchElements(bytes);
  if (elements === undefined) return undefined;
  const frames: EventFrame[] = [];
  for (const [start, end] of elements) {
    frames.push(
      readElement(bytes, start, end) ??
        photon.imessage.v1.CatchUpEventsResponse.decode(bytes.subarray(start, end)),
    );
  }
  return frames;
}
