import type { Database } from "better-sqlite3";
import { cachedStatement } from "../storage/statement-cache.js";

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

interface CardRow {
  readonly message_id: number;
  readonly session_id: string;
  readonly team_id: string;
  readonly extension_bundle_id: string;
  readonly app_name: string;
  readonly url: string;
  readonly app_store_id: number | null;
  readonly live: number;
  readonly caption: string | null;
  readonly subcaption: string | null;
  readonly trailing_caption: string | null;
  readonly trailing_subcaption: string | null;
  readonly image_title: string | null;
  readonly image_subtitle: string | null;
  readonly summary: string | null;
  readonly image: Buffer | null;
}

const cardColumns =
  "message_id, session_id, team_id, extension_bundle_id, app_name, url, app_store_id, live, caption, subcaption, trailing_caption, trailing_subcaption, image_title, image_subtitle, summary, image";

function recordFrom(row: CardRow): MiniAppCardRecord {
  return {
    messageId: row.message_id,
    sessionId: row.session_id,
    teamId: row.team_id,
    extensionBundleId: row.extension_bundle_id,
    appName: row.app_name,
    url: row.url,
    appStoreId: row.app_store_id,
    live: row.live === 1,
    layout: {
      caption: row.caption,
      subcaption: row.subcaption,
      trailingCaption: row.trailing_caption,
      trailingSubcaption: row.trailing_subcaption,
      imageTitle: row.image_title,
      imageSubtitle: row.image_subtitle,
      summary: row.summary,
      image: row.image === null ? null : new Uint8Array(row.image),
    },
  };
}

function cardParameters(card: MiniAppCardFields) {
  const { layout } = card;
  return [
    card.teamId,
    card.extensionBundleId,
    card.appName,
    card.url,
    card.appStoreId,
    card.live ? 1 : 0,
    layout.caption,
    layout.subcaption,
    layout.trailingCaption,
    layout.trailingSubcaption,
    layout.imageTitle,
    layout.imageSubtitle,
    layout.summary,
    layout.image === null ? null : Buffer.from(layout.image),
  ] as const;
}

/** Stores the card shown by message `messageId`. Run inside a write. */
export function insertMiniAppCard(
  db: Database,
  messageId: number,
  sessionId: string,
  card: MiniAppCardFields,
): void {
  cachedStatement<unknown[]>(
    db,
    `INSERT INTO mini_app_cards (message_id, session_id, team_id, extension_bundle_id, app_name, url, app_store_id, live, caption, subcaption, trailing_caption, trailing_subcaption, image_title, image_subtitle, summary, image)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(messageId, sessionId, ...cardParameters(card));
}

/** Replaces everything a card shows; its message and session stay. Run inside a write. */
export function replaceMiniAppCard(db: Database, messageId: number, card: MiniAppCardFields): void {
  cachedStatement<unknown[]>(
    db,
    `UPDATE mini_app_cards SET team_id = ?, extension_bundle_id = ?, app_name = ?, url = ?, app_store_id = ?, live = ?, caption = ?, subcaption = ?, trailing_caption = ?, trailing_subcaption = ?, image_title = ?, image_subtitle = ?, summary = ?, image = ?
     WHERE message_id = ?`,
  ).run(...cardParameters(card), messageId);
}

/** The card message `messageId` shows, or undefined when it is no card. */
export function miniAppCardOf(db: Database, messageId: number): MiniAppCardRecord | undefined {
  const row = cachedStatement<[number], CardRow>(
    db,
    `SELECT ${cardColumns} FROM mini_app_cards WHERE message_id = ?`,
  ).get(messageId);
  return row === undefined ? undefined : recordFrom(row);
}

/** The card of session `sessionId`, or undefined. */
export function miniAppCardBySession(
  db: Database,
  sessionId: string,
): MiniAppCardRecord | undefined {
  const row = cachedStatement<[string], CardRow>(
    db,
    `SELECT ${cardColumns} FROM mini_app_cards WHERE session_id = ?`,
  ).get(sessionId);
  return row === undefined ? undefined : recordFrom(row);
}
