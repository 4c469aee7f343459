import type {
  MessageEffect,
  MessageEvent,
  ResourceCallOptions,
  ResourceWriteOptions,
  UnknownEvent,
} from "@threadline/core";
import type { TextEffect } from "./text-effect.js";

/** A formatting range over UTF-16 units of the text: a style, or an animated effect. */
export type TextFormatInput =
  | {
      readonly type: "bold" | "italic" | "underline" | "strikethrough";
      readonly start: number;
      readonly length: number;
    }
  | {
      readonly type: "effect";
      readonly start: number;
      readonly length: number;
      readonly effect: TextEffect;
    };

/** The message a reply answers: its GUID, or its GUID and the bubble (part) answered. */
export type ReplyTarget = string | { readonly guid: string; readonly partIndex?: number };

/** Options for `messages.sendText(...)`. */
export interface SendTextOptions extends ResourceWriteOptions {
  /** A full-screen or bubble effect; one of {@link MessageEffect}. */
  readonly effect?: MessageEffect;
  /** A subject line shown above the text. */
  readonly subject?: string;
  /** Sends the text as a threaded reply to this message of the same chat. */
  readonly replyTo?: ReplyTarget;
  /** Bold, italic, underline, strikethrough or animated ranges of the text. */
  readonly formatting?: readonly TextFormatInput[];
  /** Ask for a rich link preview of a link in the text. */
  readonly enableLinkPreview?: boolean;
  /** Ask for data detection (links, email addresses, phone numbers) in the text. */
  readonly enableDataDetection?: boolean;
}

/** Options for `messages.edit(...)`. */
export interface EditMessageOptions extends ResourceWriteOptions {
  /** The bubble to edit; messages with one bubble use 0 or omit it. */
  readonly partIndex?: number;
  /**
   * Text Apple shows devices that cannot display edits. A Threadline server refuses it
   * (every client of it displays edits); other servers may accept it.
   */
  readonly backwardCompatText?: string;
}

/** Options for `messages.unsend(...)` and `messages.setReaction(...)`. */
export interface MessagePartOptions extends ResourceWriteOptions {
  /** The bubble meant; messages with one bubble use 0 or omit it. */
  readonly partIndex?: number;
}

/** A tapback to add or remove. `emoji` is required for kind `"emoji"` and allowed only there. */
export interface SettableMessageReaction {
  readonly kind: "love" | "like" | "dislike" | "laugh" | "emphasize" | "question" | "emoji";
  /** The emoji of a kind `"emoji"` tapback. */
  readonly emoji?: string;
}

/** Per-call options for reads. */
export type MessageCallOptions = ResourceCallOptions;

/** Scope of `messages.subscribeEvents(...)`. */
export interface MessageEventFilter {
  /** Only this chat's events; omit for every chat the account is in. */
  readonly chat?: string;
}

/** What `messages.subscribeEvents(...)` yields. */
export type MessageStreamEvent = MessageEvent | UnknownEvent;
