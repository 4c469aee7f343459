import type { NewAttachmentRecord } from "../../src/storage/repositories/attachment-repository.js";
import type { NewMessageRecord } from "../../src/storage/repositories/message-repository.js";
import type { Repositories } from "../../src/storage/repositories.js";

/** Builders of valid records for the contract cases; each case overrides what it checks. */

let guidCounter = 0;

/** A GUID no other record of this test file has. */
export function freshGuid(prefix: string): string {
  guidCounter += 1;
  return `${prefix}-${guidCounter.toString().padStart(6, "0")}`;
}

/** A plain text message from account 1 (alice) in `chatId`. */
export function newMessage(
  chatId: number,
  overrides: Partial<NewMessageRecord> = {},
): NewMessageRecord {
  return {
    guid: freshGuid("message"),
    chatId,
    senderAddress: "alice@example.com",
    senderAccountId: 1,
    kind: "text",
    text: "hello",
    subject: null,
    effectId: null,
    replyToGuid: null,
    threadOriginatorGuid: null,
    threadOriginatorPart: null,
    formatting: [],
    linkPreview: false,
    dataDetection: false,
    createdAt: 1_000,
    ...overrides,
  };
}

/** An attachment uploaded by account 1, without a companion. */
export function newAttachment(overrides: Partial<NewAttachmentRecord> = {}): NewAttachmentRecord {
  return {
    guid: freshGuid("attachment"),
    uploaderAccountId: 1,
    fileName: "photo.jpg",
    mimeType: "image/jpeg",
    uti: "public.jpeg",
    totalBytes: 1234,
    sha256: "a".repeat(64),
    companion: null,
    createdAt: 2_000,
    ...overrides,
  };
}

/** Creates the direct chat of alice and bob inside `write` and resolves with its id. */
export async function directChat(
  write: <T>(body: (repositories: Repositories) => Promise<T>) => Promise<T>,
  own = "alice@example.com",
  other = "bob@example.com",
): Promise<number> {
  return write(async (r) => (await r.chats.insertDirect(own, other, 500)).id);
}
