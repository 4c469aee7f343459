import { photon, timestampFromDate } from "@threadline/protocol";
import type { Repositories } from "../storage/repositories.js";
import { addressInfo } from "./event-envelope.js";
import type { MessageRecord } from "./message-records.js";
import { type MiniAppCardRecord, miniAppCardOf } from "./mini-app-card-records.js";
import { type PlacedStickerRecord, placedStickersOf } from "./sticker-records.js";

type ContentProperties = photon.imessage.v1.MessageContent.$Properties;
type PlacedStickerProperties = photon.imessage.v1.MessagePlacedSticker.$Properties;

/** Apple's balloon id of an app-extension card: the plugin, the Team ID and the bundle id. */
export function miniAppBalloonId(teamId: string, extensionBundleId: string): string {
  return `com.apple.messages.MSMessageExtensionBalloonPlugin:${teamId}:${extensionBundleId}`;
}

/** A card's content as readers see it: the balloon id and the decoded card, without image bytes. */
export function miniAppContent(card: MiniAppCardRecord): ContentProperties {
  const { layout } = card;
  const slots = {
    caption: layout.caption,
    subcaption: layout.subcaption,
    trailingCaption: layout.trailingCaption,
    trailingSubcaption: layout.trailingSubcaption,
    imageTitle: layout.imageTitle,
    imageSubtitle: layout.imageSubtitle,
    summary: layout.summary,
  };
  return {
    balloonBundleId: miniAppBalloonId(card.teamId, card.extensionBundleId),
    miniApp: {
      teamId: card.teamId,
      extensionBundleId: card.extensionBundleId,
      appName: card.appName,
      url: card.url,
      sessionId: card.sessionId,
      ...(card.appStoreId === null ? {} : { appStoreId: card.appStoreId }),
      live: card.live,
      layout: Object.fromEntries(Object.entries(slots).filter(([, value]) => value !== null)),
    },
  };
}

/** One placed sticker as `viewerAccountId` sees it; the attachment is marked as a sticker. */
export function placedStickerView(
  message: MessageRecord,
  sticker: PlacedStickerRecord,
  viewerAccountId: number,
): PlacedStickerProperties & {
  sticker: photon.imessage.v1.AttachmentInfo.$Properties;
  placement: photon.imessage.v1.StickerPlacement.$Properties;
} {
  const { placement } = sticker;
  const isFromMe = sticker.senderAccountId === viewerAccountId;
  return {
    messageGuid: message.guid,
    ...(sticker.partIndex === null ? {} : { targetPartIndex: sticker.partIndex }),
    sender: addressInfo(sticker.senderAddress),
    isFromMe,
    dateCreated: timestampFromDate(new Date(sticker.createdAt)),
    sticker: {
      guid: sticker.attachmentGuid,
      fileName: sticker.fileName,
      mimeType: sticker.mimeType,
      uti: sticker.uti,
      totalBytes: sticker.totalBytes,
      isOutgoing: isFromMe,
      transferState: photon.imessage.v1.TransferState.TRANSFER_STATE_FINISHED,
      isSticker: true,
    },
    placement: {
      x: placement.x,
      y: placement.y,
      ...(placement.scale === null ? {} : { scale: placement.scale }),
      ...(placement.rotation === null ? {} : { rotation: placement.rotation }),
      ...(placement.width === null ? {} : { width: placement.width }),
    },
  };
}

/** The card, sticker and notification rows a message view needs, read once for every viewer. */
export interface MessageAdditionFacts {
  /** The card of a live card message; undefined otherwise (an unsent card shows none). */
  readonly card: MiniAppCardRecord | undefined;
  readonly stickers: readonly PlacedStickerRecord[];
  readonly notifiedAnyway: boolean;
}

/** The facts of a message with no card, stickers or notify-anyway (one just stored, say). */
export const noAdditionFacts: MessageAdditionFacts = {
  card: undefined,
  stickers: [],
  notifiedAnyway: false,
};

/** Reads a message's card, placed stickers and notify-anyway mark, once for every viewer. */
export async function loadAdditionFacts(
  repositories: Repositories,
  message: MessageRecord,
): Promise<MessageAdditionFacts> {
  // Most messages have none of the three: one probe, then only the tables that have rows.
  const present = await repositories.messages.findExtras(message.id);
  const card =
    present.hasMiniAppCard && message.retractedAt === null
      ? await miniAppCardOf(repositories, message.id)
      : undefined;
  const stickers = present.hasStickers ? await placedStickersOf(repositories, message.id) : [];
  return { card, stickers, notifiedAnyway: present.notifiedAnyway };
}

/**
 * What a message view adds from the card, sticker and notification facts
 * ({@link loadAdditionFacts}): the card content that replaces the plain content of a
 * card message, the placed stickers as `viewerAccountId` sees them, and
 * `didNotifyRecipient` after "notify anyway".
 */
export function additionsFrom(
  message: MessageRecord,
  facts: MessageAdditionFacts,
  viewerAccountId: number,
): {
  readonly content?: ContentProperties;
  readonly placedStickers: PlacedStickerProperties[];
  readonly didNotifyRecipient?: true;
} {
  return {
    ...(facts.card === undefined ? {} : { content: miniAppContent(facts.card) }),
    placedStickers: facts.stickers.map((sticker) =>
      placedStickerView(message, sticker, viewerAccountId),
    ),
    ...(facts.notifiedAnyway ? { didNotifyRecipient: true as const } : {}),
  };
}

/**
 * What a message view adds from the card, sticker and notification tables: the card
 * content that replaces the plain content of a card message (an unsent card shows
 * none), the placed stickers, and `didNotifyRecipient` after "notify anyway".
 */
export async function messageViewAdditions(
  repositories: Repositories,
  message: MessageRecord,
  viewerAccountId: number,
): Promise<{
  readonly content?: ContentProperties;
  readonly placedStickers: PlacedStickerProperties[];
  readonly didNotifyRecipient?: true;
}> {
  return additionsFrom(message, await loadAdditionFacts(repositories, message), viewerAccountId);
}
