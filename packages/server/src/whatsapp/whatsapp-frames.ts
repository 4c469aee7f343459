import { varintSize, writeVarint } from "../log/frame-encoding.js";

// Frames are assembled around the stored photon.whatsapp.v1.Event bytes without
// decoding them. Event and SubscribeEventsResponse share their field numbers (cursor 1,
// message 10, status 11), so a stored event is already a SubscribeEventsResponse frame.

/** One stored event: its sequence and its encoded photon.whatsapp.v1.Event. */
export interface StoredWhatsAppEvent {
  readonly sequence: number;
  readonly payload: Uint8Array;
}

/** Bytes of one length-delimited field with a one-byte tag. */
function lengthDelimited(payload: Uint8Array): number {
  return 1 + varintSize(payload.byteLength) + payload.byteLength;
}

function putLengthDelimited(
  target: Buffer,
  offset: number,
  tag: number,
  payload: Uint8Array,
): number {
  target[offset] = tag;
  const start = writeVarint(target, offset + 1, payload.byteLength);
  target.set(payload, start);
  return start + payload.byteLength;
}

/** `FetchMissedEventsResponse { repeated Event events = 1 }`. */
export function encodeFetchMissedResponse(events: readonly StoredWhatsAppEvent[]): Buffer {
  let size = 0;
  for (const event of events) size += lengthDelimited(event.payload);
  const frame = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const event of events) offset = putLengthDelimited(frame, offset, 0x0a, event.payload);
  return frame;
}

/** `threadline.v1.SequencedWhatsAppEvent { uint64 sequence = 1; Event event = 2 }`. */
export function encodeSequencedEvent(event: StoredWhatsAppEvent): Buffer {
  const frame = Buffer.allocUnsafe(1 + varintSize(event.sequence) + lengthDelimited(event.payload));
  frame[0] = 0x08;
  const offset = writeVarint(frame, 1, event.sequence);
  putLengthDelimited(frame, offset, 0x12, event.payload);
  return frame;
}

/** `SubscribeWhatsAppEventsResponse { SequencedWhatsAppEvent event = 10 }`. */
export function encodeSequencedStreamFrame(event: StoredWhatsAppEvent): Buffer {
  const inner = encodeSequencedEvent(event);
  const frame = Buffer.allocUnsafe(lengthDelimited(inner));
  putLengthDelimited(frame, 0, 0x52, inner);
  return frame;
}

/** `FetchWhatsAppEventsResponse { events = 1; head_sequence = 2; has_more = 3 }`. */
export function encodeFetchWhatsAppResponse(
  events: readonly StoredWhatsAppEvent[],
  headSequence: number,
  hasMore: boolean,
): Buffer {
  const inners = events.map(encodeSequencedEvent);
  let size = 1 + varintSize(headSequence) + (hasMore ? 2 : 0);
  for (const inner of inners) size += lengthDelimited(inner);
  const frame = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const inner of inners) offset = putLengthDelimited(frame, offset, 0x0a, inner);
  frame[offset] = 0x10;
  offset = writeVarint(frame, offset + 1, headSequence);
  if (hasMore) {
    frame[offset] = 0x18;
    frame[offset + 1] = 1;
  }
  return frame;
}
