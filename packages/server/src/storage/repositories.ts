import type { AccountRepository } from "./repositories/account-repository.js";
import type { AddressRepository } from "./repositories/address-repository.js";
import type { AttachmentRepository } from "./repositories/attachment-repository.js";
import type { ChatRepository } from "./repositories/chat-repository.js";
import type { EventLogRepository } from "./repositories/event-log-repository.js";
import type { IdempotencyRepository } from "./repositories/idempotency-repository.js";
import type { MessageRepository } from "./repositories/message-repository.js";
import type { MiniAppRepository } from "./repositories/mini-app-repository.js";
import type { PollRepository } from "./repositories/poll-repository.js";
import type { StickerRepository } from "./repositories/sticker-repository.js";
import type { WhatsAppRepository } from "./repositories/whatsapp-repository.js";

/**
 * Everything the domain may ask of storage, one narrow async repository per area. Both
 * engines implement all of it; the domain never sees SQL, a connection or a driver type.
 *
 * Inside a write (`WriteContext.repositories`) every call runs in that write's
 * transaction, and a write that throws leaves nothing behind. Outside
 * (`StorageEngine.repositories`) calls read committed data and never wait on a commit.
 */
export interface Repositories {
  readonly accounts: AccountRepository;
  readonly chats: ChatRepository;
  readonly messages: MessageRepository;
  readonly attachments: AttachmentRepository;
  readonly stickers: StickerRepository;
  readonly miniApps: MiniAppRepository;
  readonly polls: PollRepository;
  readonly addresses: AddressRepository;
  readonly idempotency: IdempotencyRepository;
  readonly eventLog: EventLogRepository;
  readonly whatsapp: WhatsAppRepository;
}
