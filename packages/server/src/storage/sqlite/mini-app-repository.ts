import type { Database } from "better-sqlite3";
import type {
  MiniAppCardFields,
  MiniAppCardRecord,
  MiniAppRepository,
} from "../repositories/mini-app-repository.js";
import { cachedStatement } from "../statement-cache.js";

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

/** The SQLite {@link MiniAppRepository} over one connection. */
export function createSqliteMiniAppRepository(db: Database): MiniAppRepository {
  return {
    async insert(messageId, sessionId, card) {
      cachedStatement<unknown[]>(
        db,
        `INSERT INTO mini_app_cards (message_id, session_id, team_id, extension_bundle_id, app_name, url, app_store_id, live, caption, subcaption, trailing_caption, trailing_subcaption, image_title, image_subtitle, summary, image)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(messageId, sessionId, ...cardParameters(card));
    },

    async replace(messageId, card, editedAt) {
      cachedStatement<unknown[]>(
        db,
        `UPDATE mini_app_cards SET team_id = ?, extension_bundle_id = ?, app_name = ?, url = ?, app_store_id = ?, live = ?, caption = ?, subcaption = ?, trailing_caption = ?, trailing_subcaption = ?, image_title = ?, image_subtitle = ?, summary = ?, image = ?
         WHERE message_id = ?`,
      ).run(...cardParameters(card), messageId);
      cachedStatement<[number, number]>(db, "UPDATE messages SET edited_at = ? WHERE id = ?").run(
        editedAt,
        messageId,
      );
    },

    async findForMessage(messageId) {
      const row = cachedStatement<[number], CardRow>(
        db,
        `SELECT ${cardColumns} FROM mini_app_cards WHERE message_id = ?`,
      ).get(messageId);
      return row === undefined ? undefined : recordFrom(row);
    },

    async findBySession(sessionId) {
      const row = cachedStatement<[string], CardRow>(
        db,
        `SELECT ${cardColumns} FROM mini_app_cards WHERE session_id = ?`,
      ).get(sessionId);
      return row === undefined ? undefined : recordFrom(row);
    },
  };
}
