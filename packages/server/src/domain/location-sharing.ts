import { type photon, timestampFromDate } from "@threadline/protocol";
import type { Account } from "../auth/account.js";
import { findAccountIdsByAddresses, getAccount } from "../auth/account-directory.js";
import { notFound } from "../errors/common-errors.js";
import type { Repositories } from "../storage/repositories.js";
import { type ChatRecord, chatViewers, resolveChat, viewerFor } from "./chat-records.js";
import type { SharedPosition, ShareLocationInput } from "./location-input.js";

/** The wire shape of a shared location. */
export type SharedLocation = photon.imessage.v1.SharedFriendLocation.$Properties;

/** One update fanned out to the accounts that may see it. */
export interface LocationUpdate {
  /** The sharer's addresses (a watch filtered by any of them matches). */
  readonly sharerAddresses: readonly string[];
  readonly location: SharedLocation;
  /** Each viewing account with the next number of its own feed (its `source_sequence`). */
  readonly deliveries: readonly { readonly accountId: number; readonly sourceSequence: number }[];
}

/** What {@link LocationSharing.share} did. */
export interface ShareResult {
  readonly location: SharedLocation;
  /** Accounts that can see the location now (the sharer excluded). */
  readonly audienceAccountIds: readonly number[];
}

/**
 * The latest location of every account that shares one, with who may see it. Held in
 * memory on purpose: locations are transient (never in the event log, never caught up),
 * are replaced many times a minute while a session runs, and lose their meaning once
 * sharing stops or the server restarts; a table of latest values would fsync every
 * update for nothing a reader could use after a restart.
 *
 * Visibility is decided when it is needed, against the committed chats and accounts:
 * an account sees a location when one of its addresses is in the sharer's allowed
 * addresses, or when it currently takes part in one of the sharer's allowed chats
 * that the sharer still takes part in too (leaving a group stops sharing with it).
 * Expired sessions are invisible and are dropped when next met.
 */
export interface LocationSharing {
  /**
   * Starts or replaces `sharer`'s session: its position and its whole audience. The
   * allowed chats must be chats `sharer` takes part in (NOT_FOUND otherwise). Fans the
   * update out through `publish`. Reads committed data through `repositories`.
   */
  share(
    repositories: Repositories,
    sharer: Account,
    input: ShareLocationInput,
    now: Date,
  ): Promise<ShareResult>;
  /** Ends `sharer`'s session; false when it had none (or it had expired). */
  stop(sharerAccountId: number, now: Date): boolean;
  /** Every location `viewer` may see now, sorted by address. */
  list(repositories: Repositories, viewer: Account, now: Date): Promise<SharedLocation[]>;
  /**
   * The location the owner of `address` (normalised) shares with `viewer`. Throws
   * NOT_FOUND when no account has the address, it shares nothing, or not with `viewer`
   * (indistinguishable on purpose).
   */
  get(
    repositories: Repositories,
    viewer: Account,
    address: string,
    now: Date,
  ): Promise<SharedLocation>;
  /** Whether `sharerAccountId` shares a location `viewer` may see now. */
  isVisible(
    repositories: Repositories,
    viewer: Account,
    sharerAccountId: number,
    now: Date,
  ): Promise<boolean>;
  /** Sessions held (expired ones not yet dropped included). */
  readonly sessionCount: number;
}

interface Session {
  readonly sharerAccountId: number;
  readonly sharerAddresses: readonly string[];
  readonly location: SharedLocation;
  readonly allowedAddresses: ReadonlySet<string>;
  readonly allowedChatIds: ReadonlySet<number>;
  readonly expiresAt: Date | undefined;
}

/** Options of {@link createLocationSharing}. */
export interface LocationSharingOptions {
  /** Receives every accepted update, after the session was replaced. */
  readonly publish: (update: LocationUpdate) => void;
}

function wireLocation(address: string, position: SharedPosition): SharedLocation {
  return {
    address,
    ...(position.name === undefined ? {} : { name: position.name }),
    ...(position.coordinates === undefined
      ? {}
      : { latitude: position.coordinates.latitude, longitude: position.coordinates.longitude }),
    ...(position.accuracy === undefined ? {} : { accuracy: position.accuracy }),
    ...(position.longAddress === undefined ? {} : { longAddress: position.longAddress }),
    ...(position.shortAddress === undefined ? {} : { shortAddress: position.shortAddress }),
    isLocatingInProgress: position.isLocatingInProgress,
    locationType: position.locationType,
    locationTimestamp: timestampFromDate(position.locationTimestamp),
    ...(position.expiresAt === undefined
      ? {}
      : { expiresAt: timestampFromDate(position.expiresAt) }),
  };
}

/** Creates an empty {@link LocationSharing}. */
export function createLocationSharing(options: LocationSharingOptions): LocationSharing {
  const sessions = new Map<number, Session>();
  const feedPositions = new Map<number, number>();
  let lastSweep = 0;
  // Shares read chats before they apply, so two shares (or a share and a stop) of one
  // sharer can finish out of order. Each call takes a ticket when it arrives; a share
  // applies only if nothing that arrived after it has applied, so the latest arrival
  // wins, as it did when shares ran start to finish.
  let lastTicket = 0;
  const appliedTickets = new Map<number, number>();

  function live(accountId: number, now: Date): Session | undefined {
    const session = sessions.get(accountId);
    if (session === undefined) return undefined;
    if (session.expiresAt !== undefined && session.expiresAt.getTime() <= now.getTime()) {
      sessions.delete(accountId);
      return undefined;
    }
    return session;
  }

  // A chat lets its participants see the location only while the sharer still takes part.
  async function sharedChat(
    repositories: Repositories,
    session: Session,
    chatId: number,
  ): Promise<ChatRecord | undefined> {
    const chat = await repositories.chats.find(chatId);
    if (chat === undefined) return undefined;
    return session.sharerAddresses.some((address) => chat.participants.includes(address))
      ? chat
      : undefined;
  }

  async function sees(
    repositories: Repositories,
    viewer: Account,
    session: Session,
  ): Promise<boolean> {
    if (viewer.id === session.sharerAccountId) return false;
    if (viewer.addresses.some((address) => session.allowedAddresses.has(address))) return true;
    for (const chatId of session.allowedChatIds) {
      const chat = await sharedChat(repositories, session, chatId);
      if (chat !== undefined && viewerFor(chat, viewer) !== undefined) return true;
    }
    return false;
  }

  async function audienceOf(repositories: Repositories, session: Session): Promise<number[]> {
    const accounts = new Set(
      (await findAccountIdsByAddresses(repositories, [...session.allowedAddresses])).values(),
    );
    for (const chatId of session.allowedChatIds) {
      const chat = await sharedChat(repositories, session, chatId);
      if (chat === undefined) continue;
      for (const viewer of await chatViewers(repositories, chat)) accounts.add(viewer.accountId);
    }
    accounts.delete(session.sharerAccountId);
    return [...accounts].sort((first, second) => first - second);
  }

  return {
    get sessionCount() {
      return sessions.size;
    },
    async share(repositories, sharer, input, now) {
      lastTicket += 1;
      const ticket = lastTicket;
      // Expired sessions nobody reads again are dropped here, at most once a second.
      if (now.getTime() - lastSweep >= 1000) {
        lastSweep = now.getTime();
        for (const accountId of [...sessions.keys()]) live(accountId, now);
      }
      const allowedChatIds = new Set<number>();
      for (const [index, chatGuid] of input.audience.chatGuids.entries()) {
        const resolved = await resolveChat(
          repositories,
          sharer,
          chatGuid,
          `allowed_chat_guids[${index}]`,
        );
        allowedChatIds.add(resolved.chat.id);
      }
      const session: Session = {
        sharerAccountId: sharer.id,
        sharerAddresses: sharer.addresses,
        location: wireLocation(sharer.primaryAddress, input.position),
        allowedAddresses: new Set(input.audience.addresses),
        allowedChatIds,
        expiresAt: input.position.expiresAt,
      };
      const audienceAccountIds = await audienceOf(repositories, session);
      // Overtaken by a later share or stop of the same sharer: that one stands.
      if ((appliedTickets.get(sharer.id) ?? 0) > ticket) {
        return { location: session.location, audienceAccountIds };
      }
      // From here on nothing awaits: the session, the feed numbers and the publish
      // change together, so each viewer's feed stays in publish order.
      appliedTickets.set(sharer.id, ticket);
      sessions.set(sharer.id, session);
      const deliveries = audienceAccountIds.map((accountId) => {
        const sourceSequence = (feedPositions.get(accountId) ?? 0) + 1;
        feedPositions.set(accountId, sourceSequence);
        return { accountId, sourceSequence };
      });
      options.publish({
        sharerAddresses: sharer.addresses,
        location: session.location,
        deliveries,
      });
      return { location: session.location, audienceAccountIds };
    },
    stop(sharerAccountId, now) {
      lastTicket += 1;
      appliedTickets.set(sharerAccountId, lastTicket);
      const running = live(sharerAccountId, now) !== undefined;
      sessions.delete(sharerAccountId);
      return running;
    },
    async list(repositories, viewer, now) {
      const visible: SharedLocation[] = [];
      for (const accountId of [...sessions.keys()]) {
        const session = live(accountId, now);
        if (session !== undefined && (await sees(repositories, viewer, session))) {
          visible.push(session.location);
        }
      }
      return visible.sort((first, second) => {
        const a = first.address ?? "";
        const b = second.address ?? "";
        return a < b ? -1 : a > b ? 1 : 0;
      });
    },
    async get(repositories, viewer, address, now) {
      const owner = (await findAccountIdsByAddresses(repositories, [address])).get(address);
      const session = owner === undefined ? undefined : live(owner, now);
      if (session === undefined || !(await sees(repositories, viewer, session))) {
        throw notFound(
          `${address} shares no location with this account; list() shows the locations shared with you, and request() asks someone to share`,
        );
      }
      return session.location;
    },
    async isVisible(repositories, viewer, sharerAccountId, now) {
      const session = live(sharerAccountId, now);
      if (session === undefined) return false;
      if ((await getAccount(repositories, sharerAccountId)) === undefined) return false;
      return sees(repositories, viewer, session);
    },
  };
}
