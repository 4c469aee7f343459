/**
 * Makes an event from either client comparable with `toStrictEqual`.
 *
 * The only normalisation: properties whose value is `undefined` are dropped. The
 * published client spells an absent optional field as a present key holding
 * `undefined` (`actor.country`, `reaction.emoji`, `targetPartIndex`,
 * `content.balloonBundleId`, and most optional `message.*` fields such as `subject`,
 * `dateRead` or `replyTargetGuid`); `@threadline/core` omits the key
 * (`exactOptionalPropertyTypes`). Both mean "not set". Everything else (every value,
 * every `Date`, array order, nested objects) must match exactly.
 */
export function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value instanceof Date || value instanceof Uint8Array) return value;
  if (typeof value === "object" && value !== null) {
    const result: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      if (field !== undefined) result[key] = comparable(field);
    }
    return result;
  }
  return value;
}

/** Every durable event kind the seeded log must contain, so a comparison is never vacuous. */
export const seededKinds = [
  "message.received",
  "message.edited",
  "message.reactionAdded",
  "message.reactionRemoved",
  "message.read",
  "message.unsent",
  "group.changed:displayNameChanged",
  "group.changed:participantAdded",
  "group.changed:participantRemoved",
  "group.changed:participantLeft",
  "group.changed:iconChanged",
  "group.changed:iconRemoved",
  "poll.changed:created",
  "poll.changed:voted",
  "poll.changed:unvoted",
  "poll.changed:optionAdded",
  "chat.backgroundChanged",
  "chat.backgroundRemoved",
  "chat.markedRead",
  "chat.archived",
  "chat.unarchived",
] as const;

/** `type`, plus the group change or poll delta type, e.g. `group.changed:participantLeft`. */
export function kindOf(event: { readonly type: string }): string {
  if (
    "change" in event &&
    typeof event.change === "object" &&
    event.change !== null &&
    "type" in event.change
  ) {
    return `${event.type}:${String(event.change.type)}`;
  }
  if (
    "delta" in event &&
    typeof event.delta === "object" &&
    event.delta !== null &&
    "type" in event.delta
  ) {
    return `${event.type}:${String(event.delta.type)}`;
  }
  return event.type;
}

/** Reads a finite stream (a catch-up) to its end. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const events: T[] = [];
  for await (const event of stream) events.push(event);
  return events;
}
