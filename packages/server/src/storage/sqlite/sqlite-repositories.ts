import type { Database } from "better-sqlite3";
import type { Repositories } from "../repositories.js";
import { createSqliteAccountRepository } from "./account-repository.js";
import { createSqliteAddressRepository } from "./address-repository.js";
import { createSqliteAttachmentRepository } from "./attachment-repository.js";
import { createSqliteChatRepository } from "./chat-repository.js";
import { createSqliteEventLogRepository } from "./event-log-repository.js";
import { createSqliteIdempotencyRepository } from "./idempotency-repository.js";
import { createSqliteMessageRepository } from "./message-repository.js";
import { createSqliteMiniAppRepository } from "./mini-app-repository.js";
import { createSqlitePollRepository } from "./poll-repository.js";
import { createSqliteStickerRepository } from "./sticker-repository.js";
import { createSqliteWhatsAppRepository } from "./whatsapp-repository.js";

/**
 * Every repository over one SQLite connection: the writer's (inside its transaction)
 * or a read connection (committed data).
 */
export function createSqliteRepositories(db: Database): Repositories {
  return {
    accounts: createSqliteAccountRepository(db),
    chats: createSqliteChatRepository(db),
    messages: createSqliteMessageRepository(db),
    attachments: createSqliteAttachmentRepository(db),
    stickers: createSqliteStickerRepository(db),
    miniApps: createSqliteMiniAppRepository(db),
    polls: createSqlitePollRepository(db),
    addresses: createSqliteAddressRepository(db),
    idempotency: createSqliteIdempotencyRepository(db),
    eventLog: createSqliteEventLogRepository(db),
    whatsapp: createSqliteWhatsAppRepository(db),
  };
}
