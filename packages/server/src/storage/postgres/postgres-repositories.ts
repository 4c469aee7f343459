import type { Repositories } from "../repositories.js";
import { createPostgresAccountRepository } from "./account-repository.js";
import { createPostgresAddressRepository } from "./address-repository.js";
import { createPostgresAttachmentRepository } from "./attachment-repository.js";
import { createPostgresChatRepository } from "./chat-repository.js";
import { createPostgresEventLogRepository } from "./event-log-repository.js";
import { createPostgresIdempotencyRepository } from "./idempotency-repository.js";
import { createPostgresMessageRepository } from "./message-repository.js";
import { createPostgresMiniAppRepository } from "./mini-app-repository.js";
import type { PgQueryable } from "./pg-queryable.js";
import { createPostgresPollRepository } from "./poll-repository.js";
import { createPostgresStickerRepository } from "./sticker-repository.js";
import { createPostgresWhatsAppRepository } from "./whatsapp-repository.js";

/**
 * Every repository over one PostgreSQL queryable: a client inside a write's
 * transaction, or the pool for reads of committed data.
 */
export function createPostgresRepositories(sql: PgQueryable): Repositories {
  return {
    accounts: createPostgresAccountRepository(sql),
    chats: createPostgresChatRepository(sql),
    messages: createPostgresMessageRepository(sql),
    attachments: createPostgresAttachmentRepository(sql),
    stickers: createPostgresStickerRepository(sql),
    miniApps: createPostgresMiniAppRepository(sql),
    polls: createPostgresPollRepository(sql),
    addresses: createPostgresAddressRepository(sql),
    idempotency: createPostgresIdempotencyRepository(sql),
    eventLog: createPostgresEventLogRepository(sql),
    whatsapp: createPostgresWhatsAppRepository(sql),
  };
}
