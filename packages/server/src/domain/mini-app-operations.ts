import { randomUUID } from "node:crypto";
import type { photon } from "@threadline/protocol";
import type { Account } from "../auth/account.js";
import { invalidArgument, notFound } from "../errors/common-errors.js";
import { ServerError } from "../errors/server-error.js";
import type { Repositories } from "../storage/repositories.js";
import type { WriteContext } from "../storage/write-context.js";
import {
  type ChatRecord,
  type ChatViewer,
  chatAfterInsert,
  chatViewers,
  resolveChat,
  resolveChatForChange,
} from "./chat-records.js";
import { envelopeFor } from "./event-envelope.js";
import { detectImageType, maxImageBytes } from "./image-type.js";
import { insertMessage, type MessageRecord } from "./message-records.js";
import { messageContent, messageView } from "./message-view.js";
import {
  insertMiniAppCard,
  type MiniAppCardFields,
  type MiniAppLayoutRecord,
  miniAppCardBySession,
  miniAppCardOf,
  replaceMiniAppCard,
} from "./mini-app-card-records.js";
import { limitText, maxShortTextLength, optionalText, requireText } from "./text-rules.js";

type MessageResponse = photon.imessage.v1.MessageResponse.$Properties;
type CardSession = photon.imessage.v1.MiniAppCardSession.$Properties;

/** Longest text of one layout slot (caption, summary, …). */
export const maxMiniAppSlotLength = 1_000;
/** Longest card URL. */
export const maxMiniAppUrlLength = 2_048;

const teamIdPattern = /^[A-Z0-9]{10}$/;
const bundleIdPattern = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

interface CardRequestFields {
  readonly teamId?: string | null;
  readonly extensionBundleId?: string | null;
  readonly appName?: string | null;
  readonly url?: string | null;
  readonly layout?: photon.imessage.v1.MiniAppLayout.$Properties | null;
  readonly appStoreId?: number | null;
  readonly live?: boolean | null;
}

function slot(value: string | null | undefined, field: string): string | null {
  const text = optionalText(value);
  return text === null || text === "" ? null : limitText(text, field, maxMiniAppSlotLength);
}

function validateLayout(
  layout: photon.imessage.v1.MiniAppLayout.$Properties | null | undefined,
): MiniAppLayoutRecord {
  if (layout === undefined || layout === null) {
    throw invalidArgument(
      "layout is required: set at least one of caption, subcaption, trailing_caption, trailing_subcaption or image",
      { field: "layout" },
    );
  }
  const image = layout.image === undefined || layout.image === null ? null : layout.image;
  const record: MiniAppLayoutRecord = {
    caption: slot(layout.caption, "layout.caption"),
    subcaption: slot(layout.subcaption, "layout.subcaption"),
    trailingCaption: slot(layout.trailingCaption, "layout.trailing_caption"),
    trailingSubcaption: slot(layout.trailingSubcaption, "layout.trailing_subcaption"),
    imageTitle: slot(layout.imageTitle, "layout.image_title"),
    imageSubtitle: slot(layout.imageSubtitle, "layout.image_subtitle"),
    summary: slot(layout.summary, "layout.summary"),
    // A copy: the request's bytes may be a view into a much larger buffer, and the
    // card travels to the writer thread.
    image: image === null || image.length === 0 ? null : new Uint8Array(image),
  };
  if (
    record.caption === null &&
    record.subcaption === null &&
    record.trailingCaption === null &&
    record.trailingSubcaption === null &&
    record.image === null
  ) {
    throw invalidArgument(
      "layout is empty: set at least one of caption, subcaption, trailing_caption, trailing_subcaption or image, or the card shows a blank bubble",
      { field: "layout" },
    );
  }
  if ((record.image === null) !== (record.imageTitle === null)) {
    throw invalidArgument("layout.image and layout.image_title go together: set both or neither", {
      field: record.image === null ? "layout.image" : "layout.image_title",
    });
  }
  if (record.imageSubtitle !== null && record.image === null) {
    throw invalidArgument("layout.image_subtitle needs layout.image: it is shown over the image", {
      field: "layout.image_subtitle",
    });
  }
  if (record.image !== null) {
    if (record.image.length > maxImageBytes) {
      throw new ServerError(
        "PAYLOAD_TOO_LARGE",
        `layout.image is ${record.image.length} bytes, over the limit of ${maxImageBytes} bytes (10 MiB); send a smaller JPEG`,
        { field: "layout.image" },
      );
    }
    if (detectImageType(record.image) !== "image/jpeg") {
      throw invalidArgument(
        "layout.image must be the bytes of a JPEG picture (they start with FF D8 FF); other types are refused",
        { field: "layout.image" },
      );
    }
  }
  return record;
}

function validateUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw invalidArgument(
      `url must be an absolute http or https URL; received ${JSON.stringify(value.slice(0, 64))}`,
      { field: "url" },
    );
  }
  return limitText(value, "url", maxMiniAppUrlLength);
}

/**
 * Validates what a card send or update names, without the database: a Team ID of ten
 * upper-case letters or digits, a bundle id of dot-separated parts (no `:`), an app
 * name, an absolute http(s) URL, a positive App Store id when set, and a layout that
 * is not empty, with `image` and `image_title` together, `image_subtitle` only with
 * `image`, and `image` a JPEG of at most 10 MiB. Throws INVALID_ARGUMENT.
 */
export function validateMiniAppCard(request: CardRequestFields): MiniAppCardFields {
  const teamId = request.teamId ?? "";
  if (!teamIdPattern.test(teamId)) {
    throw invalidArgument(
      `team_id must be an Apple Team ID: 10 upper-case letters or digits; received ${JSON.stringify(teamId.slice(0, 32))}`,
      { field: "team_id" },
    );
  }
  const extensionBundleId = request.extensionBundleId ?? "";
  if (extensionBundleId.length > 255 || !bundleIdPattern.test(extensionBundleId)) {
    throw invalidArgument(
      `extension_bundle_id must be a bundle identifier such as com.example.app.extension (letters, digits, hyphens, dot-separated, no ':', at most 255 characters); received ${JSON.stringify(extensionBundleId.slice(0, 64))}`,
      { field: "extension_bundle_id" },
    );
  }
  const appStoreId = request.appStoreId ?? null;
  if (appStoreId !== null && (!Number.isSafeInteger(appStoreId) || appStoreId <= 0)) {
    throw invalidArgument(
      `app_store_id must be a positive App Store id when set; received ${appStoreId}`,
      { field: "app_store_id" },
    );
  }
  return {
    teamId,
    extensionBundleId,
    appName: requireText(request.appName ?? "", "app_name", maxShortTextLength),
    url: validateUrl(request.url ?? ""),
    appStoreId,
    live: request.live === true,
    layout: validateLayout(request.layout),
  };
}

function cardSession(message: MessageRecord, sessionId: string, chatGuid: string): CardSession {
  return {
    messageGuid: message.guid,
    chatGuid,
    sessionId,
    targetMessageGuid: message.guid,
  };
}

/**
 * Sends a card in a chat of the caller: a message whose content carries `mini_app`
 * (and Apple's balloon id for the extension), `message.received` to everyone who can
 * see the chat, and a new session for later updates. NOT_FOUND for a chat the caller
 * is not in. Run inside a write.
 */
export async function sendMiniAppCard(
  context: WriteContext,
  account: Account,
  chatGuid: string,
  card: MiniAppCardFields,
): Promise<MessageResponse> {
  const { repositories } = context;
  const { chat, viewer } = await resolveChat(repositories, account, chatGuid);
  const message = await insertMessage(
    repositories,
    {
      chatId: chat.id,
      senderAddress: viewer.address,
      senderAccountId: account.id,
      kind: "text",
      text: "",
      subject: null,
      effectId: null,
      replyToGuid: null,
    },
    context.now,
  );
  const current = await chatAfterInsert(repositories, chat, viewer);
  const sessionId = randomUUID().toUpperCase();
  await insertMiniAppCard(repositories, message.id, sessionId, card);
  const actor = { accountId: account.id, address: viewer.address };
  for (const each of await chatViewers(repositories, current)) {
    context.appendEvent(each.accountId, {
      kind: "message",
      event: {
        ...envelopeFor(each, actor, context.now),
        messageReceived: {
          message: await messageView(repositories, message, each.accountId, each.chatGuid, []),
        },
      },
    });
  }
  return {
    message: await messageView(repositories, message, account.id, viewer.chatGuid, []),
    miniAppCardSession: cardSession(message, sessionId, viewer.chatGuid),
  };
}

/**
 * A plain copy of a request's `MiniAppCardSession`, so that a write's input carries no
 * decoded protobuf object; null when the request has none.
 */
export function plainCardSession(session: CardSession | null | undefined): CardSession | null {
  if (session === undefined || session === null) return null;
  return {
    messageGuid: session.messageGuid ?? "",
    chatGuid: session.chatGuid ?? "",
    sessionId: session.sessionId ?? "",
    targetMessageGuid: session.targetMessageGuid ?? "",
  };
}

function requireSessionField(value: string | null | undefined, field: string): string {
  if (value === undefined || value === null || value === "") {
    throw invalidArgument(
      `${field} is required: pass the mini_app_card_session of the send or of the latest update unchanged`,
      { field },
    );
  }
  return value;
}

function failedPrecondition(message: string): ServerError {
  return new ServerError("FAILED_PRECONDITION", message);
}

/** The card a session names, checked against the caller's chat; see {@link updateMiniAppCard}. */
async function sessionCard(
  repositories: Repositories,
  account: Account,
  session: CardSession | null | undefined,
): Promise<{ message: MessageRecord; chat: ChatRecord; viewer: ChatViewer; sessionId: string }> {
  if (session === undefined || session === null) {
    throw invalidArgument(
      "session is required: pass the mini_app_card_session of the send or of the latest update unchanged",
      { field: "session" },
    );
  }
  const sessionId = requireSessionField(session.sessionId, "session.session_id");
  const messageGuid = requireSessionField(session.messageGuid, "session.message_guid");
  const targetGuid = requireSessionField(session.targetMessageGuid, "session.target_message_guid");
  // Locked until the write ends, so a concurrent unsend or update of the card (two
  // processes on PostgreSQL) is decided on after this one, or this one after it.
  const { chat, viewer } = await resolveChatForChange(
    repositories,
    account,
    requireSessionField(session.chatGuid, "session.chat_guid"),
    "session.chat_guid",
  );
  const card = await miniAppCardBySession(repositories, sessionId);
  const message = card === undefined ? undefined : await repositories.messages.find(targetGuid);
  if (card === undefined || message === undefined || message.chatId !== chat.id) {
    throw notFound(
      `mini-app card session ${JSON.stringify(sessionId)} was not found in chat ${JSON.stringify(session.chatGuid)}`,
    );
  }
  if (message.id !== card.messageId) {
    throw invalidArgument(
      `session.target_message_guid ${JSON.stringify(targetGuid)} is not the card of session ${sessionId}; pass the session unchanged`,
      { field: "session.target_message_guid" },
    );
  }
  // Updates replace the card in place, so the latest message of a session is its card.
  if (messageGuid !== message.guid) {
    throw invalidArgument(
      `session.message_guid ${JSON.stringify(messageGuid)} is not the latest message of session ${sessionId} (${message.guid}); pass the latest session unchanged`,
      { field: "session.message_guid" },
    );
  }
  return { message, chat, viewer, sessionId };
}

/**
 * Replaces what one of the caller's cards shows, in place: same message, same session,
 * a new `date_edited`, and `message.edited` with the new content to everyone in the
 * chat. The card keeps its extension: another `team_id` or `extension_bundle_id` is
 * INVALID_ARGUMENT. Someone else's or an unsent card: FAILED_PRECONDITION. An unknown
 * session, or one outside the caller's chats: NOT_FOUND. Run inside a write.
 */
export async function updateMiniAppCard(
  context: WriteContext,
  account: Account,
  session: CardSession | null | undefined,
  card: MiniAppCardFields,
): Promise<MessageResponse> {
  const { repositories } = context;
  const found = await sessionCard(repositories, account, session);
  const stored = await miniAppCardOf(repositories, found.message.id);
  if (stored === undefined) throw notFound(`message ${found.message.guid} is not a mini-app card`);
  if (found.message.senderAccountId !== account.id) {
    throw failedPrecondition(
      `card ${found.message.guid} was sent by ${found.message.senderAddress}; only the sender can update it`,
    );
  }
  if (found.message.retractedAt !== null) {
    throw failedPrecondition(`card ${found.message.guid} was unsent; it cannot be updated`);
  }
  for (const [field, ours, theirs] of [
    ["team_id", card.teamId, stored.teamId],
    ["extension_bundle_id", card.extensionBundleId, stored.extensionBundleId],
  ] as const) {
    if (ours !== theirs) {
      throw invalidArgument(
        `${field} ${JSON.stringify(ours)} differs from the card's ${JSON.stringify(theirs)}; a card stays with the extension that sent it`,
        { field },
      );
    }
  }
  const editedAt = context.now.getTime();
  await replaceMiniAppCard(repositories, found.message.id, card, editedAt);
  const updated: MessageRecord = { ...found.message, editedAt };
  const actor = { accountId: account.id, address: found.viewer.address };
  for (const viewer of await chatViewers(repositories, found.chat)) {
    const envelope = envelopeFor(viewer, actor, context.now);
    const view = await messageView(repositories, updated, viewer.accountId, viewer.chatGuid, []);
    context.appendEvent(viewer.accountId, {
      kind: "message",
      event: {
        ...envelope,
        messageEdited: {
          messageGuid: updated.guid,
          content: view.content ?? messageContent(updated),
          editedAt: envelope.occurredAt,
        },
      },
    });
  }
  return {
    message: await messageView(repositories, updated, account.id, found.viewer.chatGuid),
    miniAppCardSession: cardSession(updated, found.sessionId, found.viewer.chatGuid),
  };
}
