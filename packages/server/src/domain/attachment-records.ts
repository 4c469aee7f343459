import { randomUUID } from "node:crypto";
import type {
  AttachmentLinkRecord,
  AttachmentRecord,
  MentionRecord,
  MessageAttachmentRecord,
} from "../storage/repositories/attachment-repository.js";
import type { Repositories } from "../storage/repositories.js";

export type {
  AttachmentLinkRecord,
  AttachmentRecord,
  CompanionRecord,
  MentionRecord,
  MessageAttachmentRecord,
} from "../storage/repositories/attachment-repository.js";

/** A new attachment's fields. */
export type NewAttachment = Omit<AttachmentRecord, "id" | "guid" | "createdAt">;

/** Stores an uploaded attachment under a fresh upper-case UUID. Run inside a write. */
export async function insertAttachment(
  repositories: Repositories,
  attachment: NewAttachment,
  now: Date,
): Promise<AttachmentRecord> {
  const stored = { ...attachment, guid: randomUUID().toUpperCase(), createdAt: now.getTime() };
  const id = await repositories.attachments.insert(stored);
  return { ...stored, id };
}

/** The attachment with `guid`, or undefined. */
export function findAttachment(
  repositories: Repositories,
  guid: string,
): Promise<AttachmentRecord | undefined> {
  return repositories.attachments.find(guid);
}

/** Whether any attachment (as its file or its companion) has the blob `sha256`. */
export function isBlobReferenced(repositories: Repositories, sha256: string): Promise<boolean> {
  return repositories.attachments.isBlobReferenced(sha256);
}

/** Links attachments to a new message as its bubbles, in order. Run inside a write. */
export async function linkMessageAttachments(
  repositories: Repositories,
  messageId: number,
  links: readonly AttachmentLinkRecord[],
): Promise<void> {
  if (links.length === 0) return;
  await repositories.attachments.linkToMessage(messageId, links);
}

/** The attachment bubbles of a message in order; empty for a message without any. */
export function messageAttachments(
  repositories: Repositories,
  messageId: number,
): Promise<MessageAttachmentRecord[]> {
  return repositories.attachments.listForMessage(messageId);
}

/**
 * The chats of the live (not unsent) messages that carry an attachment, as a bubble
 * or as a sticker placed on them.
 */
export function chatsCarrying(
  repositories: Repositories,
  attachment: { readonly id: number; readonly guid: string },
): Promise<number[]> {
  return repositories.attachments.chatIdsCarrying(attachment.id, attachment.guid);
}

/** Stores the mentions of a new message. Run inside a write. */
export async function insertMentions(
  repositories: Repositories,
  messageId: number,
  mentions: readonly MentionRecord[],
): Promise<void> {
  if (mentions.length === 0) return;
  await repositories.attachments.insertMentions(messageId, mentions);
}

/** The mentions of a message in order. */
export function messageMentions(
  repositories: Repositories,
  messageId: number,
): Promise<MentionRecord[]> {
  return repositories.attachments.listMentions(messageId);
}
