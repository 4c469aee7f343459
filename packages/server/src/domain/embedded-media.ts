import type { photon } from "@threadline/protocol";
import type { Account } from "../auth/account.js";
import { invalidArgument, notFound } from "../errors/common-errors.js";
import type { Repositories } from "../storage/repositories.js";
import { resolveChat } from "./chat-records.js";
import { miniAppCardOf } from "./mini-app-card-records.js";

const guidPattern = /^[\x21-\x7e]{1,128}$/;

/**
 * The media a message carries inline. On this server that is the JPEG picture of a
 * mini-app card (`layout.image` of its send or latest update), returned byte for byte
 * as `image/jpeg`. There are no Digital Touch or handwritten messages here, and files
 * are attachments (AttachmentService), so every other message has none: NOT_FOUND,
 * as for a chat or message the caller cannot see or an unsent card.
 */
export async function getEmbeddedMedia(
  repositories: Repositories,
  account: Account,
  chatGuid: string,
  messageGuid: string,
): Promise<photon.imessage.v1.EmbeddedMedia.$Properties> {
  const { chat } = await resolveChat(repositories, account, chatGuid);
  if (!guidPattern.test(messageGuid)) {
    throw invalidArgument(
      `message_guid must be a message GUID (1 to 128 printable characters without spaces); received ${JSON.stringify(messageGuid.slice(0, 64))}`,
      { field: "message_guid" },
    );
  }
  const message = await repositories.messages.find(messageGuid);
  if (message === undefined || message.chatId !== chat.id) {
    throw notFound(
      `message ${JSON.stringify(messageGuid)} was not found in chat ${JSON.stringify(chatGuid)}`,
    );
  }
  const image =
    message.retractedAt === null
      ? (await miniAppCardOf(repositories, message.id))?.layout.image
      : undefined;
  if (image === undefined || image === null) {
    throw notFound(
      `message ${message.guid} carries no embedded media; on this server only a mini-app card with a layout image has any (attachments download through AttachmentService)`,
    );
  }
  return { data: image, mimeType: "image/jpeg" };
}
