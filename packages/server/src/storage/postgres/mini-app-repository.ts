import type {
  MiniAppCardFields,
  MiniAppCardRecord,
  MiniAppRepository,
} from "../repositories/mini-app-repository.js";
import { integerFromPg, nullableIntegerFromPg } from "./pg-integer.js";
import type { PgQueryable } from "./pg-queryable.js";

interface CardRow {
  readonly message_id: string;
  readonly session_id: string;
  readonly team_id: string;
  readonly extension_bundle_id: string;
  readonly app_name: string;
  readonly url: string;
  readonly app_store_id: string | null;
  readonly live: boolean;
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
    messageId: integerFromPg(row.message_id, "mini_app_cards.message_id"),
    sessionId: row.session_id,
    teamId: row.team_id,
    extensionBundleId: row.extension_bundle_id,
    appName: row.app_name,
    url: row.url,
    appStoreId: nullableIntegerFromPg(row.app_store_id, "mini_app_cards.app_store_id"),
    live: row.live,
    layout: {
      caption: row.caption,
      subcaption: row.subcaption,
      trailingCaption: row.trailing_caption,
      trailingSubcaption: row.trailing_subcaption,
      imageTitle: row.image_title,
      imageSubtitle: row.image_subtitle,
      summary: row.summary,
      image: row.image,
    },
  };
}

/** The card's columns after message_id and session_id, in {@link cardColumns} order. */
function cardParameters(card: MiniAppCardFields): unknown[] {
  const { layout } = card;
  return [
    card.teamId,
    card.extensionBundleId,
    card.appName,
    card.url,
    card.appStoreId,
    card.live,
    layout.caption,
    layout.subcaption,
    layout.trailingCaption,
    layout.trailingSubcaption,
    layout.imageTitle,
    layout.imageSubtitle,
    layout.summary,
    layout.image,
  ];
}

/** The PostgreSQL {@link MiniAppRepository} over a pooled client or transaction. */
export function createPostgresMiniAppRepository(sql: PgQueryable): MiniAppRepository {
  async function findWhere(condition: string, value: string | number) {
    const { rows } = await sql.query<CardRow>(
      `SELECT ${cardColumns} FROM mini_app_cards WHERE ${condition}`,
      [value],
    );
    const row = rows[0];
    return row === undefined ? undefined : recordFrom(row);
  }

  return {
    async insert(messageId, sessionId, card) {
      await sql.query(
        `INSERT INTO mini_app_cards (${cardColumns})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
        [messageId, sessionId, ...cardParameters(card)],
      );
    },

    async replace(messageId, card, editedAt) {
      await sql.query(
        `UPDATE mini_app_cards SET team_id = $1, extension_bundle_id = $2, app_name = $3, url = $4, app_store_id = $5, live = $6, caption = $7, subcaption = $8, trailing_caption = $9, trailing_subcaption = $10, image_title = $11, image_subtitle = $12, summary = $13, image = $14
         WHERE message_id = $15`,
        [...cardParameters(card), messageId],
      );
      await sql.query("UPDATE messages SET edited_at = $1 WHERE id = $2", [editedAt, messageId]);
    },

    async findForMessage(messageId) {
      return findWhere("message_id = $1", messageId);
    },

    async findBySession(sessionId) {
      return findWhere("session_id = $1", sessionId);
    },
  };
}
