import { timestampToDate } from "@threadline/protocol";
import type {
  AttachmentInfo,
  ChatServiceType,
  Message,
  MessageAppliedReaction,
  MessageContent,
  MessageItemType,
  MessageMention,
  MessagePlacedSticker,
  MessageReaction,
  MiniAppContent,
  MiniAppLayoutInfo,
  PollOption,
  SingleServiceAddressInfo,
  StickerPlacement,
  TextFormat,
  TransferState,
} from "./domain-types.js";
import type { WireFields } from "./wire-fields.js";

/**
 * Mappers from decoded protobuf values (or plain objects of the same shape) to the SDK's
 * domain values. They accept the generated `$Properties` shapes, where every field may
 * be absent or null, so they work on decoded frames and hand-built objects alike.
 * Absent optional fields are left out of the result. A timestamp outside what a
 * Timestamp may hold throws a RangeError, which the streams turn into a ProtocolError.
 */

// Generated message field types vary between "T" and "T | null"; optional fields are
// copied only when present so the results stay exact under exactOptionalPropertyTypes.
type Writable<T> = { -readonly [Key in keyof T]: T[Key] };

function present<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

const serviceTypes: Readonly<Record<number, ChatServiceType>> = {
  1: "iMessage",
  2: "SMS",
  3: "RCS",
};

/** The SDK name of a wire `ChatServiceType`; `"unknown"` for unspecified or newer values. */
export function serviceTypeFromWire(value: number | null | undefined): ChatServiceType {
  return (present(value) ? serviceTypes[value] : undefined) ?? "unknown";
}

const transferStates: Readonly<Record<number, TransferState>> = {
  0: "pending",
  1: "transferring",
  2: "failed",
  5: "finished",
};

const itemTypes: Readonly<Record<number, MessageItemType>> = {
  0: "normal",
  1: "participantChange",
  2: "groupNameChange",
  3: "chatAction",
};

const reactionKinds: Readonly<Record<number, MessageReaction["kind"]>> = {
  0: "love",
  1: "like",
  2: "dislike",
  3: "laugh",
  4: "emphasize",
  5: "question",
  6: "emoji",
  7: "sticker",
};

/** An address on one transport. */
export function addressFromWire(
  wire: WireFields<"SingleServiceAddressInfo">,
): SingleServiceAddressInfo {
  // Assigned rather than spread: this runs for the actor and the sender of every event.
  const address: Writable<SingleServiceAddressInfo> = {
    address: wire.address ?? "",
    service: serviceTypeFromWire(wire.service),
  };
  if (present(wire.country)) address.country = wire.country;
  return address;
}

/** Attachment metadata. */
export function attachmentFromWire(wire: WireFields<"AttachmentInfo">): AttachmentInfo {
  const attachment: Writable<AttachmentInfo> = {
    guid: wire.guid ?? "",
    fileName: wire.fileName ?? "",
    mimeType: wire.mimeType ?? "",
    uti: wire.uti ?? "",
    totalBytes: Number(wire.totalBytes ?? 0),
    isOutgoing: wire.isOutgoing === true,
    transferState:
      (present(wire.transferState) ? transferStates[wire.transferState] : "pending") ?? "unknown",
    isHidden: wire.isHidden === true,
    isSticker: wire.isSticker === true,
  };
  if (present(wire.originalGuid)) attachment.originalGuid = wire.originalGuid;
  if (present(wire.companionKind)) {
    attachment.companionKind = wire.companionKind === 1 ? "live-photo-video" : "unknown";
  }
  return attachment;
}

/** A tapback. */
export function reactionFromWire(
  wire: WireFields<"MessageReaction"> | null | undefined,
): MessageReaction {
  const kind = (present(wire?.kind) ? reactionKinds[wire.kind] : "love") ?? "unknown";
  return present(wire?.emoji) ? { kind, emoji: wire.emoji } : { kind };
}

/** A sticker placement. */
export function placementFromWire(wire: WireFields<"StickerPlacement">): StickerPlacement {
  const placement: Writable<StickerPlacement> = { x: wire.x ?? 0, y: wire.y ?? 0 };
  if (present(wire.scale)) placement.scale = wire.scale;
  if (present(wire.rotation)) placement.rotation = wire.rotation;
  if (present(wire.width)) placement.width = wire.width;
  return placement;
}

function textFormatFromWire(wire: WireFields<"TextFormat">): TextFormat {
  const format: Writable<TextFormat> = {
    type: wire.type ?? "",
    start: wire.start ?? 0,
    length: wire.length ?? 0,
  };
  if (present(wire.effectName)) format.effectName = wire.effectName;
  return format;
}

function mentionFromWire(wire: WireFields<"MessageMention">): MessageMention {
  return { address: wire.address ?? "", start: wire.start ?? 0, length: wire.length ?? 0 };
}

function layoutFromWire(wire: WireFields<"MiniAppLayoutInfo">): MiniAppLayoutInfo {
  const layout: Writable<MiniAppLayoutInfo> = {};
  if (present(wire.caption)) layout.caption = wire.caption;
  if (present(wire.subcaption)) layout.subcaption = wire.subcaption;
  if (present(wire.trailingCaption)) layout.trailingCaption = wire.trailingCaption;
  if (present(wire.trailingSubcaption)) layout.trailingSubcaption = wire.trailingSubcaption;
  if (present(wire.imageTitle)) layout.imageTitle = wire.imageTitle;
  if (present(wire.imageSubtitle)) layout.imageSubtitle = wire.imageSubtitle;
  if (present(wire.summary)) layout.summary = wire.summary;
  return layout;
}

function miniAppFromWire(wire: WireFields<"MiniAppContent">): MiniAppContent {
  const miniApp: Writable<MiniAppContent> = {
    teamId: wire.teamId ?? "",
    extensionBundleId: wire.extensionBundleId ?? "",
    live: wire.live === true,
  };
  if (present(wire.appName)) miniApp.appName = wire.appName;
  if (present(wire.url)) miniApp.url = wire.url;
  if (present(wire.sessionId)) miniApp.sessionId = wire.sessionId;
  if (present(wire.appStoreId)) miniApp.appStoreId = Number(wire.appStoreId);
  if (present(wire.layout)) miniApp.layout = layoutFromWire(wire.layout);
  return miniApp;
}

// Most messages have no attachments, formatting or mentions; sharing one frozen empty
// array keeps the hot catch-up path from allocating three per message.
const none: readonly never[] = Object.freeze([]);

function mapList<Wire, Value>(
  list: readonly Wire[] | null | undefined,
  map: (wire: Wire) => Value,
): readonly Value[] {
  if (list === null || list === undefined || list.length === 0) return none;
  return list.map(map);
}

/** The body of a message. An absent content is an empty one. */
export function contentFromWire(
  wire: WireFields<"MessageContent"> | null | undefined,
): MessageContent {
  const content: Writable<MessageContent> = {
    attachments: mapList(wire?.attachments, attachmentFromWire),
    formatting: mapList(wire?.formatting, textFormatFromWire),
    mentions: mapList(wire?.mentions, mentionFromWire),
  };
  if (wire === null || wire === undefined) return content;
  if (present(wire.text)) content.text = wire.text;
  if (present(wire.balloonBundleId)) content.balloonBundleId = wire.balloonBundleId;
  if (present(wire.expressiveSendStyleId))
    content.expressiveSendStyleId = wire.expressiveSendStyleId;
  if (present(wire.miniApp)) content.miniApp = miniAppFromWire(wire.miniApp);
  return content;
}

function appliedReactionFromWire(
  wire: WireFields<"MessageAppliedReaction">,
): MessageAppliedReaction {
  const reaction: Writable<MessageAppliedReaction> = {
    messageGuid: wire.messageGuid ?? "",
    reaction: reactionFromWire(wire.reaction),
    isFromMe: wire.isFromMe === true,
    dateCreated: timestampToDate(wire.dateCreated),
  };
  if (present(wire.targetPartIndex)) reaction.targetPartIndex = wire.targetPartIndex;
  if (present(wire.sender)) reaction.sender = addressFromWire(wire.sender);
  return reaction;
}

function placedStickerFromWire(wire: WireFields<"MessagePlacedSticker">): MessagePlacedSticker {
  const sticker: Writable<MessagePlacedSticker> = {
    messageGuid: wire.messageGuid ?? "",
    isFromMe: wire.isFromMe === true,
    dateCreated: timestampToDate(wire.dateCreated),
  };
  if (present(wire.targetPartIndex)) sticker.targetPartIndex = wire.targetPartIndex;
  if (present(wire.sender)) sticker.sender = addressFromWire(wire.sender);
  if (present(wire.sticker)) sticker.sticker = attachmentFromWire(wire.sticker);
  if (present(wire.placement)) sticker.placement = placementFromWire(wire.placement);
  return sticker;
}

/** A message as the viewing account sees it. */
export function messageFromWire(wire: WireFields<"Message">): Message {
  const message: Writable<Message> = {
    guid: wire.guid ?? "",
    content: contentFromWire(wire.content),
    dateCreated: timestampToDate(wire.dateCreated),
    isFromMe: wire.isFromMe === true,
    isSent: wire.isSent === true,
    isDelivered: wire.isDelivered === true,
    isDeliveredQuietly: wire.isDeliveredQuietly === true,
    didNotifyRecipient: wire.didNotifyRecipient === true,
    sendErrorCode: wire.sendErrorCode ?? 0,
    isAudioMessage: wire.isAudioMessage === true,
    isAutoReply: wire.isAutoReply === true,
    isSystemMessage: wire.isSystemMessage === true,
    isForward: wire.isForward === true,
    isDelayed: wire.isDelayed === true,
    isSpam: wire.isSpam === true,
    dataDetectorResultsPresent: wire.dataDetectorResultsPresent === true,
    isArchived: wire.isArchived === true,
    isServiceMessage: wire.isServiceMessage === true,
    isCorrupt: wire.isCorrupt === true,
    isExpirable: wire.isExpirable === true,
    itemType: (present(wire.itemType) ? itemTypes[wire.itemType] : "normal") ?? "unknown",
    appliedReactions: mapList(wire.appliedReactions, appliedReactionFromWire),
    placedStickers: mapList(wire.placedStickers, placedStickerFromWire),
    chatGuids: wire.chatGuids === null || wire.chatGuids === undefined ? none : [...wire.chatGuids],
  };
  if (present(wire.subject)) message.subject = wire.subject;
  if (present(wire.dateRead)) message.dateRead = timestampToDate(wire.dateRead);
  if (present(wire.dateDelivered)) message.dateDelivered = timestampToDate(wire.dateDelivered);
  if (present(wire.dateEdited)) message.dateEdited = timestampToDate(wire.dateEdited);
  if (present(wire.dateRetracted)) message.dateRetracted = timestampToDate(wire.dateRetracted);
  if (present(wire.datePlayed)) message.datePlayed = timestampToDate(wire.datePlayed);
  if (present(wire.dateExpressiveSendPlayed)) {
    message.dateExpressiveSendPlayed = timestampToDate(wire.dateExpressiveSendPlayed);
  }
  if (present(wire.sender)) message.sender = addressFromWire(wire.sender);
  if (present(wire.shareStatus)) message.shareStatus = wire.shareStatus;
  if (present(wire.shareDirection)) message.shareDirection = wire.shareDirection;
  if (present(wire.groupTitle)) message.groupTitle = wire.groupTitle;
  if (present(wire.chatActionType)) message.chatActionType = wire.chatActionType;
  if (present(wire.threadOriginatorGuid)) message.threadOriginatorGuid = wire.threadOriginatorGuid;
  if (present(wire.threadOriginatorPart)) message.threadOriginatorPart = wire.threadOriginatorPart;
  if (present(wire.replyToGuid)) message.replyToGuid = wire.replyToGuid;
  if (present(wire.replyTargetGuid)) message.replyTargetGuid = wire.replyTargetGuid;
  if (present(wire.destinationCallerId)) message.destinationCallerId = wire.destinationCallerId;
  if (present(wire.partCount)) message.partCount = wire.partCount;
  if (present(wire.cachedRoomNames)) message.cachedRoomNames = wire.cachedRoomNames;
  if (present(wire.reactionTargetGuid)) message.reactionTargetGuid = wire.reactionTargetGuid;
  if (present(wire.reactionTargetPartIndex))
    message.reactionTargetPartIndex = wire.reactionTargetPartIndex;
  if (present(wire.reaction)) message.reaction = reactionFromWire(wire.reaction);
  if (present(wire.reactionSelected)) message.reactionSelected = wire.reactionSelected;
  return message;
}

/** A poll option. */
export function pollOptionFromWire(wire: WireFields<"PollOption">): PollOption {
  return {
    text: wire.text ?? "",
    optionIdentifier: wire.optionIdentifier ?? "",
    ...(present(wire.creatorHandle) ? { creatorHandle: wire.creatorHandle } : {}),
  };
}
