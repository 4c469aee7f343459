/**
 * The SDK's view of the values events carry: plain readonly objects with string
 * unions instead of protobuf enums and `Date` instead of timestamps. Optional wire
 * fields that are absent are omitted (not `undefined`, not `null`).
 */

/** Transport an address is reached over. */
export type ChatServiceType = "iMessage" | "SMS" | "RCS" | "unknown";

/** Where an attachment's bytes are in their journey between devices. */
export type TransferState = "pending" | "transferring" | "failed" | "finished" | "unknown";

/** What kind of row a message is. */
export type MessageItemType =
  | "normal"
  | "groupNameChange"
  | "participantChange"
  | "chatAction"
  | "unknown";

/** Secondary asset that travels with a primary attachment. */
export type CompanionKind = "live-photo-video" | "unknown";

/** One handle (email or E.164 phone) on one transport. */
export interface SingleServiceAddressInfo {
  readonly address: string;
  readonly service: ChatServiceType;
  /** ISO 3166-1 alpha-2 region code, when the server knows it. */
  readonly country?: string;
}

/** Metadata of a file attached to a message; the bytes travel separately. */
export interface AttachmentInfo {
  readonly guid: string;
  readonly originalGuid?: string;
  readonly fileName: string;
  readonly mimeType: string;
  readonly uti: string;
  readonly totalBytes: number;
  readonly isOutgoing: boolean;
  readonly transferState: TransferState;
  readonly isHidden: boolean;
  readonly isSticker: boolean;
  readonly companionKind?: CompanionKind;
}

/** A styling run over a UTF-16 range of the text. */
export interface TextFormat {
  readonly type: string;
  readonly start: number;
  readonly length: number;
  readonly effectName?: string;
}

/** A mention of `address` over a UTF-16 range of the text. */
export interface MessageMention {
  readonly address: string;
  readonly start: number;
  readonly length: number;
}

/** A tapback. `emoji` is set when `kind` is `"emoji"`. */
export interface MessageReaction {
  readonly kind:
    | "love"
    | "like"
    | "dislike"
    | "laugh"
    | "emphasize"
    | "question"
    | "emoji"
    | "sticker"
    | "unknown";
  readonly emoji?: string;
}

/** Where a sticker sits on its bubble, in normalised coordinates. */
export interface StickerPlacement {
  readonly x: number;
  readonly y: number;
  readonly scale?: number;
  readonly rotation?: number;
  readonly width?: number;
}

/** Visible text slots of an app-extension card. */
export interface MiniAppLayoutInfo {
  readonly caption?: string;
  readonly subcaption?: string;
  readonly trailingCaption?: string;
  readonly trailingSubcaption?: string;
  readonly imageTitle?: string;
  readonly imageSubtitle?: string;
  readonly summary?: string;
}

/** Decoded, public part of an app-extension message. */
export interface MiniAppContent {
  readonly teamId: string;
  readonly extensionBundleId: string;
  readonly appName?: string;
  readonly url?: string;
  readonly sessionId?: string;
  readonly appStoreId?: number;
  readonly live: boolean;
  readonly layout?: MiniAppLayoutInfo;
}

/** The body of a message as a reader sees it. */
export interface MessageContent {
  readonly text?: string;
  readonly attachments: readonly AttachmentInfo[];
  readonly formatting: readonly TextFormat[];
  readonly mentions: readonly MessageMention[];
  readonly balloonBundleId?: string;
  readonly expressiveSendStyleId?: string;
  readonly miniApp?: MiniAppContent;
}

/** A tapback currently applied to a message. */
export interface MessageAppliedReaction {
  readonly messageGuid: string;
  readonly targetPartIndex?: number;
  readonly reaction: MessageReaction;
  readonly sender?: SingleServiceAddressInfo;
  readonly isFromMe: boolean;
  readonly dateCreated: Date;
}

/** A sticker currently placed on a message. */
export interface MessagePlacedSticker {
  readonly messageGuid: string;
  readonly targetPartIndex?: number;
  readonly sender?: SingleServiceAddressInfo;
  readonly isFromMe: boolean;
  readonly dateCreated: Date;
  readonly sticker?: AttachmentInfo;
  readonly placement?: StickerPlacement;
}

/** A message as the viewing account sees it (`isFromMe` is from its side). */
export interface Message {
  readonly guid: string;
  readonly content: MessageContent;
  readonly subject?: string;
  readonly dateCreated: Date;
  readonly dateRead?: Date;
  readonly dateDelivered?: Date;
  readonly dateEdited?: Date;
  readonly dateRetracted?: Date;
  readonly datePlayed?: Date;
  readonly dateExpressiveSendPlayed?: Date;
  readonly sender?: SingleServiceAddressInfo;
  readonly isFromMe: boolean;
  readonly isSent: boolean;
  readonly isDelivered: boolean;
  readonly isDeliveredQuietly: boolean;
  readonly didNotifyRecipient: boolean;
  readonly sendErrorCode: number;
  readonly isAudioMessage: boolean;
  readonly isAutoReply: boolean;
  readonly isSystemMessage: boolean;
  readonly isForward: boolean;
  readonly isDelayed: boolean;
  readonly isSpam: boolean;
  readonly dataDetectorResultsPresent: boolean;
  readonly isArchived: boolean;
  readonly isServiceMessage: boolean;
  readonly isCorrupt: boolean;
  readonly isExpirable: boolean;
  readonly shareStatus?: number;
  readonly shareDirection?: number;
  readonly itemType: MessageItemType;
  readonly groupTitle?: string;
  readonly chatActionType?: number;
  readonly threadOriginatorGuid?: string;
  readonly threadOriginatorPart?: string;
  readonly replyToGuid?: string;
  readonly replyTargetGuid?: string;
  readonly destinationCallerId?: string;
  readonly partCount?: number;
  readonly cachedRoomNames?: string;
  readonly reactionTargetGuid?: string;
  readonly reactionTargetPartIndex?: number;
  readonly reaction?: MessageReaction;
  readonly reactionSelected?: boolean;
  readonly appliedReactions: readonly MessageAppliedReaction[];
  readonly placedStickers: readonly MessagePlacedSticker[];
  readonly chatGuids: readonly string[];
}

/** One option of a poll. */
export interface PollOption {
  readonly text: string;
  /** Stable identifier a vote refers to. */
  readonly optionIdentifier: string;
  readonly creatorHandle?: string;
}
