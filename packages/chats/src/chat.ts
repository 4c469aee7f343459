import type { Chat, Message, MessageEffect } from "@threadline/core";

/** A direct or group conversation, as the current account sees it (core's one shape). */
export type { Chat } from "@threadline/core";

/** Options for `chats.create(...)`. */
export interface CreateChatOptions {
  /** Opening text, sent in the same call that creates the chat. */
  readonly message?: string;
  /** Effect for the opening message; only allowed together with `message`. */
  readonly effect?: MessageEffect;
  /**
   * Idempotency key for the whole logical create. A retry with the same key returns the
   * first result, even after a crash; reusing it with different inputs is a
   * ConflictError with code `IDEMPOTENCY_KEY_REUSED`. Without it the SDK still makes its own retries safe.
   */
  readonly clientMessageId?: string;
  /** Abandons the call; the promise rejects with a CancelledError. */
  readonly signal?: AbortSignal;
  /** Deadline for this call in milliseconds, overriding the client default. */
  readonly timeoutMs?: number;
}

/** What `chats.create(...)` returns. */
export interface CreateChatResult {
  /** The created chat, or the existing one when a direct chat already existed. */
  readonly chat: Chat;
  /** Present only when `options.message` was sent. */
  readonly initialMessage?: Message;
}

/** Per-call options every chats method accepts. */
export interface ChatCallOptions {
  /** Abandons the call; the promise rejects with a CancelledError. */
  readonly signal?: AbortSignal;
  /** Deadline for this call in milliseconds, overriding the client default. */
  readonly timeoutMs?: number;
}

/** Per-call options for writes. */
export interface ChatWriteOptions extends ChatCallOptions {
  /**
   * Idempotency key for this logical write, for job systems that may repeat it after a
   * crash. Without it the SDK still makes its own retries safe.
   */
  readonly clientMessageId?: string;
}

/** Options for `chats.count(...)`. */
export interface CountChatsOptions extends ChatCallOptions {
  /** Count archived chats too. Defaults to `false`. */
  readonly includeArchived?: boolean;
}

/** Scope of `chats.subscribeEvents(...)`. */
export interface ChatEventFilter {
  /** Only this chat's events; omit for every chat the account is in. */
  readonly chat?: string;
}
