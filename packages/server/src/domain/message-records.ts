import type {
  MessageRecord,
  TextFormatRecord,
} from "../storage/repositories/message-repository.js";
import type { Repositories } from "../storage/repositories.js";
import { timeOrderedGuid } from "../storage/time-ordered-guid.js";

export type {
  MessageRecord,
  ReactionRecord,
} from "../storage/repositories/message-repository.js";

/** A new message's fields. */
export interface NewMessage {
  readonly chatId: number;
  readonly senderAddress: string;
  readonly senderAccountId: number;
  readonly kind: "text" | "contact";
  readonly text: string;
  readonly subject: string | null;
  readonly effectId: string | null;
  readonly replyToGuid: string | null;
  /** Set together with `replyToGuid` for a threaded reply; absent otherwise. */
  readonly threadOriginatorGuid?: string | null;
  readonly threadOriginatorPart?: string | null;
  readonly formatting?: readonly TextFormatRecord[];
  readonly linkPreview?: boolean;
  readonly dataDetection?: boolean;
}

/**
 * Stores a message with a fresh upper-case, time-ordered UUID as its GUID (new rows go
 * to the end of the GUID index: see timeOrderedGuid). Run inside a write.
 */
export async function insertMessage(
  repositories: Repositories,
  message: NewMessage,
  now: Date,
): Promise<MessageRecord> {
  const createdAt = now.getTime();
  const stored = {
    chatId: message.chatId,
    senderAddress: message.senderAddress,
    senderAccountId: message.senderAccountId,
    kind: message.kind,
    text: message.text,
    subject: message.subject,
    effectId: message.effectId,
    replyToGuid: message.replyToGuid,
    threadOriginatorGuid: message.threadOriginatorGuid ?? null,
    threadOriginatorPart: message.threadOriginatorPart ?? null,
    formatting: message.formatting ?? [],
    linkPreview: message.linkPreview ?? false,
    dataDetection: message.dataDetection ?? false,
    guid: timeOrderedGuid(createdAt),
    createdAt,
  };
  const id = await repositories.messages.insert(stored);
  return { ...stored, id, editedAt: null, retractedAt: null };
}
