import type { EventDomain } from "../storage/write-context.js";

// Frames are assembled from stored event bytes without decoding them. Wire tags are
// (field number << 3) | wire type; 0 is varint, 2 is length-delimited.
const sequenceTag = 0x08; // field 1, varint
const elementTag = 0x0a; // field 1, length-delimited (repeated CatchUpEventsResponse)
const batchTag = 0x52; // field 10, length-delimited (EventBatch / Subscribe*Response payload)
const headSequenceTag = 0x10; // field 2, varint (FetchEventsResponse.head_sequence)
const hasMoreTag = 0x18; // field 3, varint (FetchEventsResponse.has_more)

/** The CatchUpEventsResponse oneof tag of each domain (fields 10 to 13). */
const catchUpPayloadTags: Readonly<Record<EventDomain, number>> = {
  message: 0x52,
  group: 0x5a,
  poll: 0x62,
  chat: 0x6a,
};

/** `Heartbeat heartbeat = 99` with an empty message: the same bytes in every stream type. */
export const heartbeatFrame: Buffer = Buffer.from([0x9a, 0x06, 0x00]);

/**
 * The parts of a stored event that frames are built from. The encoded payload comes
 * either as bytes (events just committed) or as the hex text SQLite's `hex()` returns
 * (log reads): better-sqlite3 creates a short string several times faster than a
 * Buffer per row, and the hex is decoded straight into the frame.
 */
export type EncodableEvent = {
  readonly sequence: number;
  readonly kind: EventDomain;
} & ({ readonly payload: Uint8Array } | { readonly payloadHex: string });

function payloadLength(event: EncodableEvent): number {
  return "payload" in event ? event.payload.byteLength : event.payloadHex.length / 2;
}

function writePayload(target: Buffer, offset: number, event: EncodableEvent): number {
  if ("payload" in event) {
    target.set(event.payload, offset);
    return offset + event.payload.byteLength;
  }
  return offset + target.write(event.payloadHex, offset, "hex");
}

/** Bytes a varint takes for a non-negative safe integer. */
export function varintSize(value: number): number {
  let size = 1;
  let rest = value;
  while (rest >= 0x80) {
    rest = Math.floor(rest / 128);
    size += 1;
  }
  return size;
}

/** Writes `value` as a varint at `offset` and returns the offset after it. */
export function writeVarint(target: Buffer, offset: number, value: number): number {
  let position = offset;
  let rest = value;
  while (rest >= 0x80) {
    target[position] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
    position += 1;
  }
  target[position] = rest;
  return position + 1;
}

function catchUpFrameSize(event: EncodableEvent): number {
  const length = payloadLength(event);
  return 2 + varintSize(event.sequence) + varintSize(length) + length;
}

function writeCatchUpFrame(target: Buffer, offset: number, event: EncodableEvent): number {
  let position = offset;
  target[position++] = sequenceTag;
  position = writeVarint(target, position, event.sequence);
  target[position++] = catchUpPayloadTags[event.kind];
  position = writeVarint(target, position, payloadLength(event));
  return writePayload(target, position, event);
}

/** One `CatchUpEventsResponse` event frame: `sequence` plus the domain's oneof field. */
export function encodeCatchUpFrame(event: EncodableEvent): Buffer {
  const frame = Buffer.allocUnsafe(catchUpFrameSize(event));
  writeCatchUpFrame(frame, 0, event);
  return frame;
}

function elementsSize(events: readonly EncodableEvent[]): number {
  let size = 0;
  for (const event of events) {
    const frameSize = catchUpFrameSize(event);
    size += 1 + varintSize(frameSize) + frameSize;
  }
  return size;
}

function writeElements(target: Buffer, offset: number, events: readonly EncodableEvent[]): number {
  let position = offset;
  for (const event of events) {
    target[position++] = elementTag;
    position = writeVarint(target, position, catchUpFrameSize(event));
    position = writeCatchUpFrame(target, position, event);
  }
  return position;
}

/**
 * A frame whose field 10 is an `EventBatch` of the events: valid both as a
 * `CatchUpEventBatchesResponse` and as a `SubscribeEventsResponse`.
 */
export function encodeBatchFrame(events: readonly EncodableEvent[]): Buffer {
  const batchSize = elementsSize(events);
  const frame = Buffer.allocUnsafe(1 + varintSize(batchSize) + batchSize);
  frame[0] = batchTag;
  writeElements(frame, writeVarint(frame, 1, batchSize), events);
  return frame;
}

/** A `FetchEventsResponse` with the events, the head and `has_more`. */
export function encodeFetchResponse(
  events: readonly EncodableEvent[],
  headSequence: number,
  hasMore: boolean,
): Buffer {
  const size =
    elementsSize(events) +
    (headSequence > 0 ? 1 + varintSize(headSequence) : 0) +
    (hasMore ? 2 : 0);
  const frame = Buffer.allocUnsafe(size);
  let position = writeElements(frame, 0, events);
  if (headSequence > 0) {
    frame[position++] = headSequenceTag;
    position = writeVarint(frame, position, headSequence);
  }
  if (hasMore) {
    frame[position++] = hasMoreTag;
    frame[position] = 1;
  }
  return frame;
}

/**
 * A `Subscribe{Message,Group,Poll,Chat}EventsResponse` event frame: `sequence` and
 * the change event in field 10 (the same layout in all four).
 */
export function encodeSubscribeFrame(event: EncodableEvent): Buffer {
  const length = payloadLength(event);
  const frame = Buffer.allocUnsafe(2 + varintSize(event.sequence) + varintSize(length) + length);
  let position = 0;
  frame[position++] = sequenceTag;
  position = writeVarint(frame, position, event.sequence);
  frame[position++] = batchTag;
  position = writeVarint(frame, position, length);
  writePayload(frame, position, event);
  return frame;
}
