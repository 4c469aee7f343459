import type { ResourceCallOptions, ResourceWriteOptions } from "@threadline/core";

/** Per-call options every groups method accepts. */
export type GroupCallOptions = ResourceCallOptions;

/** Per-call options of a groups write: the `clientMessageId` idempotency key, `signal`, `timeoutMs`. */
export type GroupWriteOptions = ResourceWriteOptions;

/** The group photo, as `groups.getIcon(...)` returns it. */
export interface GroupIcon {
  /** The image bytes as stored. */
  readonly data: Uint8Array;
  /** `image/jpeg`, `image/png`, `image/heic` or `image/heif`, as the server detected it. */
  readonly mimeType: string;
}

/** Scope of `groups.subscribeEvents(...)`. */
export interface GroupEventFilter {
  /** Only this group's events (`any;+;<id>`); omit for every group the account is in. */
  readonly chat?: string;
}
