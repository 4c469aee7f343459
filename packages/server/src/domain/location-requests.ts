import { type photon, type threadline, timestampFromDate } from "@threadline/protocol";
import type { Account } from "../auth/account.js";
import { findAccountIdsByAddresses } from "../auth/account-directory.js";
import { invalidArgument } from "../errors/common-errors.js";
import { ServerError } from "../errors/server-error.js";
import type { Repositories } from "../storage/repositories.js";
import { normalizeChatGuid } from "./chat-guid.js";
import { chatGuidFor, resolveChat } from "./chat-records.js";
import { locationAddress } from "./location-input.js";
import type { LocationSharing } from "./location-sharing.js";

/** The wire shape of a request receipt. */
export type LocationRequestReceipt =
  photon.imessage.v1.RequestFriendLocationSharingResponse.$Properties;

/** A request as its target lists it. */
export type PendingLocationRequest = threadline.v1.LocationSharingRequest.$Properties;

/** Receipt statuses: a request is recorded, or the target already shares with the caller. */
export const locationRequestStatus = {
  requested: "requested",
  alreadySharing: "alreadySharing",
} as const;

/** Most open requests one account may have at a time. */
export const maxOpenRequestsPerAccount = 1000;
/** How many idempotency keys of requests are remembered (the oldest are forgotten first). */
export const rememberedRequestKeys = 10_000;
/** How long a request stays open when nobody answers it, and how long a key is remembered. */
export const locationRequestLifetimeMs = 24 * 60 * 60 * 1000;

/** Requests that ask someone to share their location (`RequestFriendLocationSharing`). */
export interface LocationRequests {
  /**
   * Records that `requester` asks the participant `rawAddress` of chat `rawChatGuid` to
   * share their location with it. Asking grants nothing. The same key returns the first
   * receipt. Throws INVALID_ARGUMENT for a malformed chat GUID or address, an address
   * that is not in the chat or is the requester's own, a key reused for another request
   * (IDEMPOTENCY_KEY_REUSED); NOT_FOUND when the requester is not in the chat;
   * RESOURCE_EXHAUSTED beyond {@link maxOpenRequestsPerAccount} open requests.
   */
  request(
    repositories: Repositories,
    requester: Account,
    rawChatGuid: string,
    rawAddress: string,
    key: string | undefined,
    now: Date,
  ): Promise<LocationRequestReceipt>;
  /** The open requests addressed to `target`, newest first, chats named from its side. */
  pendingFor(
    repositories: Repositories,
    target: Account,
    now: Date,
  ): Promise<PendingLocationRequest[]>;
  /** Closes the requests of `requesterAccountIds` to `sharer`: it now shares with them. */
  answer(sharer: Account, requesterAccountIds: readonly number[]): void;
}

interface OpenRequest {
  readonly requesterAccountId: number;
  /** The address the requester takes part in the chat with. */
  readonly requesterAddress: string;
  readonly targetAddress: string;
  readonly chatId: number;
  readonly requestedAt: Date;
}

interface RememberedKey {
  readonly fingerprint: string;
  readonly receipt: LocationRequestReceipt;
  readonly at: number;
}

/** Creates the open requests over the sessions of `sharing` (for "already sharing"). */
export function createLocationRequests(sharing: LocationSharing): LocationRequests {
  // requester account -> target address -> request; one open request per pair.
  const open = new Map<number, Map<string, OpenRequest>>();
  const keys = new Map<string, RememberedKey>();
  // How many times answer() ran: lets a request notice an answer during its awaits.
  let answers = 0;

  function expired(request: OpenRequest, now: Date): boolean {
    return now.getTime() - request.requestedAt.getTime() >= locationRequestLifetimeMs;
  }

  function remember(keyId: string, entry: RememberedKey): void {
    keys.set(keyId, entry);
    while (keys.size > rememberedRequestKeys) {
      const oldest = keys.keys().next();
      if (oldest.done === true) break;
      keys.delete(oldest.value);
    }
  }

  return {
    async request(repositories, requester, rawChatGuid, rawAddress, key, now) {
      // Malformed input is INVALID_ARGUMENT before any lookup can answer NOT_FOUND.
      const chatGuid = normalizeChatGuid(rawChatGuid);
      const address = locationAddress(rawAddress);
      const { chat, viewer } = await resolveChat(repositories, requester, chatGuid);
      const fingerprint = `${chat.id}\n${address}`;
      const keyId = key === undefined ? undefined : `${requester.id}\n${key}`;
      if (keyId !== undefined) {
        const known = keys.get(keyId);
        if (known !== undefined && now.getTime() - known.at < locationRequestLifetimeMs) {
          if (known.fingerprint !== fingerprint) {
            throw new ServerError(
              "IDEMPOTENCY_KEY_REUSED",
              "client_message_id was already used for a different location request; use a new key for each logical request",
              { field: "client_message_id" },
            );
          }
          return known.receipt;
        }
      }
      if (requester.addresses.includes(address)) {
        throw invalidArgument(
          `address ${address} is your own; ask another participant of the chat to share their location`,
          { field: "address" },
        );
      }
      if (!chat.participants.includes(address)) {
        throw invalidArgument(
          `address ${address} is not a participant of chat ${JSON.stringify(rawChatGuid)}; you can only ask someone who takes part in the chat`,
          { field: "address" },
        );
      }
      const targetAccountId = (await findAccountIdsByAddresses(repositories, [address])).get(
        address,
      );
      // A share that answers requests while this one reads would close nothing of it,
      // so the check is repeated until no answer came in between: then the request is
      // recorded in the same turn as its check, as if the two had not overlapped.
      let alreadySharing = false;
      let answersSeen: number;
      do {
        answersSeen = answers;
        alreadySharing =
          targetAccountId !== undefined &&
          (await sharing.isVisible(repositories, requester, targetAccountId, now));
      } while (answersSeen !== answers);
      let receipt: LocationRequestReceipt;
      if (alreadySharing) {
        receipt = {
          address,
          status: locationRequestStatus.alreadySharing,
          reason: `${address} already shares a location with you; read it with get() or watch()`,
        };
      } else {
        let mine = open.get(requester.id);
        if (mine === undefined) {
          mine = new Map();
          open.set(requester.id, mine);
        }
        for (const [target, request] of mine) if (expired(request, now)) mine.delete(target);
        if (!mine.has(address) && mine.size >= maxOpenRequestsPerAccount) {
          throw new ServerError(
            "RESOURCE_EXHAUSTED",
            `this account already has ${maxOpenRequestsPerAccount} open location requests, the most the server keeps; they close when answered or after 24 hours`,
          );
        }
        // Asking again refreshes the request rather than adding a second one.
        mine.set(address, {
          requesterAccountId: requester.id,
          requesterAddress: viewer.address,
          targetAddress: address,
          chatId: chat.id,
          requestedAt: now,
        });
        receipt = { address, status: locationRequestStatus.requested };
      }
      if (keyId !== undefined) remember(keyId, { fingerprint, receipt, at: now.getTime() });
      return receipt;
    },

    async pendingFor(repositories, target, now) {
      const found: OpenRequest[] = [];
      for (const mine of open.values()) {
        for (const own of target.addresses) {
          const request = mine.get(own);
          if (request !== undefined && !expired(request, now)) found.push(request);
        }
      }
      const pending: { at: number; request: PendingLocationRequest }[] = [];
      for (const request of found) {
        const chat = await repositories.chats.find(request.chatId);
        // A chat either side has left since no longer carries the request.
        if (
          chat === undefined ||
          !chat.participants.includes(request.targetAddress) ||
          !chat.participants.includes(request.requesterAddress)
        ) {
          continue;
        }
        pending.push({
          at: request.requestedAt.getTime(),
          request: {
            requesterAddress: request.requesterAddress,
            chatGuid: chatGuidFor(chat, request.targetAddress),
            requestedAt: timestampFromDate(request.requestedAt),
          },
        });
      }
      return pending.sort((first, second) => second.at - first.at).map((entry) => entry.request);
    },

    answer(sharer, requesterAccountIds) {
      answers += 1;
      for (const requesterAccountId of requesterAccountIds) {
        const mine = open.get(requesterAccountId);
        if (mine === undefined) continue;
        for (const address of sharer.addresses) mine.delete(address);
        if (mine.size === 0) open.delete(requesterAccountId);
      }
    },
  };
}
