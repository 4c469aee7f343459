/** The visible slots of a card, as sent; `image` is JPEG bytes. */
export interface MiniAppLayoutRecord {
  readonly caption: string | null;
  readonly subcaption: string | null;
  readonly trailingCaption: string | null;
  readonly trailingSubcaption: string | null;
  readonly imageTitle: string | null;
  readonly imageSubtitle: string | null;
  readonly summary: string | null;
  readonly image: Uint8Array | null;
}

/** What a card names besides its layout: the extension it belongs to and where it leads. */
export interface MiniAppCardFields {
  readonly teamId: string;
  readonly extensionBundleId: string;
  readonly appName: string;
  readonly url: string;
  readonly appStoreId: number | null;
  readonly live: boolean;
  readonly layout: MiniAppLayoutRecord;
}

/** A stored card: the message that shows it and the session that updates it. */
export interface MiniAppCardRecord extends MiniAppCardFields {
  readonly messageId: number;
  readonly sessionId: string;
}

/**
 * Mini-app cards and their updates.
 *
 * Every method is async, takes and returns plain data (no driver types), and is
 * implemented by both engines: `storage/sqlite/` and `storage/postgres/`. Inside a
 * write it runs in the write's transaction; outside it reads committed data.
 */
export interface MiniAppRepository {
  /** Stores the card shown by message `messageId` under session `sessionId` (unique). */
  insert(messageId: number, sessionId: string, card: MiniAppCardFields): Promise<void>;
  /**
   * Replaces everything the card of message `messageId` shows (its message and session
   * stay) and stamps that message's `edited_at` with `editedAt` (epoch ms), together.
   */
  replace(messageId: number, card: MiniAppCardFields, editedAt: number): Promise<void>;
  /** The card message `messageId` shows, or undefined when it is no card. */
  findForMessage(messageId: number): Promise<MiniAppCardRecord | undefined>;
  /** The card of session `sessionId`, or undefined. */
  findBySession(sessionId: string): Promise<MiniAppCardRecord | undefined>;
}
