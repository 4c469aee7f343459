/**
 * The LISTEN/NOTIFY channel on which every process announces its appends. A
 * notification is only a wake-up: it carries the account and its new head, never an
 * event; listeners read the rows themselves. PostgreSQL delivers a notification sent
 * inside a transaction at its COMMIT, and only then.
 */
export const logWakeUpChannel = "threadline_log_appended";

/**
 * The channel of the WhatsApp number logs' appends, with the same payload ("number id:
 * head"), sent by the WhatsApp repository's appendRows inside the append transaction.
 */
export const whatsappWakeUpChannel = "threadline_whatsapp_appended";

/** One wake-up: `accountId`'s log now reaches `headSequence` (committed). */
export interface LogWakeUp {
  readonly accountId: number;
  readonly headSequence: number;
}

/** The payload of a wake-up: "account:head", a few bytes (PostgreSQL allows < 8000). */
export function encodeLogWakeUp(wakeUp: LogWakeUp): string {
  return `${wakeUp.accountId}:${wakeUp.headSequence}`;
}

/** Parses a payload of {@link encodeLogWakeUp}; undefined for anything else. */
export function decodeLogWakeUp(payload: string | undefined): LogWakeUp | undefined {
  const match = /^(\d{1,15}):(\d{1,15})$/.exec(payload ?? "");
  if (match === null) return undefined;
  const accountId = Number(match[1]);
  const headSequence = Number(match[2]);
  if (accountId <= 0) return undefined;
  return { accountId, headSequence };
}
