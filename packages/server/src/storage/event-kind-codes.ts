import type { EventDomain } from "./write-context.js";

/** Storage code of each domain in the `event_log.kind` column (both engines). */
export const kindCodes: Readonly<Record<EventDomain, number>> = {
  message: 1,
  group: 2,
  poll: 3,
  chat: 4,
};

const kindsByCode: readonly (EventDomain | undefined)[] = [
  undefined,
  "message",
  "group",
  "poll",
  "chat",
];

/** The domain stored under `code`; throws on a code this server never writes. */
export function kindFromCode(code: number): EventDomain {
  const kind = kindsByCode[code];
  if (kind === undefined) throw new RangeError(`unknown event kind code ${code} in event_log`);
  return kind;
}
