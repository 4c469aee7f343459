import { ServerError } from "../errors/server-error.js";
import type { LoggedEvent } from "../storage/repositories/event-log-repository.js";
import type { LiveEvent, LiveSubscriber } from "./live-subscriber.js";

/**
 * Routes committed events to the live subscribers of each account (or of each log of
 * another kind: the WhatsApp number logs have a hub of their own).
 */
export interface LiveHub<Event extends LiveEvent = LoggedEvent> {
  /** Adds a subscriber; from now on it is offered every event its account commits. */
  register(subscriber: LiveSubscriber<Event>): void;
  /** Removes a subscriber (its `onEnd` calls this). */
  unregister(subscriber: LiveSubscriber<Event>): void;
  /** Offers committed events to their accounts' subscribers. Call only after the commit. */
  publish(events: readonly Event[]): void;
  /** Ends every subscriber, with `error` (e.g. UNAVAILABLE on shutdown) or OK. */
  endAll(error?: ServerError): Promise<void>;
  /** Number of registered subscribers. */
  readonly size: number;
  /** Number of registered subscribers of one account. */
  countFor(accountId: number): number;
  /** The accounts that have at least one subscriber now. */
  accountsWithSubscribers(): number[];
  /** Subscribers cut off so far for falling behind (SUBSCRIBER_TOO_SLOW). */
  readonly slowSubscriberCuts: number;
}

/** Creates an empty {@link LiveHub}. */
export function createLiveHub<Event extends LiveEvent = LoggedEvent>(): LiveHub<Event> {
  const byAccount = new Map<number, Set<LiveSubscriber<Event>>>();
  let size = 0;
  let slowSubscriberCuts = 0;

  return {
    get size() {
      return size;
    },
    get slowSubscriberCuts() {
      return slowSubscriberCuts;
    },
    countFor(accountId) {
      return byAccount.get(accountId)?.size ?? 0;
    },
    accountsWithSubscribers() {
      return [...byAccount.keys()];
    },
    register(subscriber) {
      let subscribers = byAccount.get(subscriber.accountId);
      if (subscribers === undefined) {
        subscribers = new Set();
        byAccount.set(subscriber.accountId, subscribers);
      }
      if (!subscribers.has(subscriber)) {
        subscribers.add(subscriber);
        size += 1;
      }
    },
    unregister(subscriber) {
      const subscribers = byAccount.get(subscriber.accountId);
      if (subscribers?.delete(subscriber) === true) {
        size -= 1;
        if (subscriber.cutTooSlow === true) slowSubscriberCuts += 1;
        if (subscribers.size === 0) byAccount.delete(subscriber.accountId);
      }
    },
    publish(events) {
      // Group per account first so each subscriber gets its events in one offer.
      const perAccount = new Map<number, Event[]>();
      for (const event of events) {
        if (!byAccount.has(event.accountId)) continue;
        let list = perAccount.get(event.accountId);
        if (list === undefined) {
          list = [];
          perAccount.set(event.accountId, list);
        }
        list.push(event);
      }
      for (const [accountId, list] of perAccount) {
        const subscribers = byAccount.get(accountId);
        if (subscribers === undefined) continue;
        for (const subscriber of [...subscribers]) subscriber.offer(list);
      }
    },
    async endAll(error) {
      const all = [...byAccount.values()].flatMap((subscribers) => [...subscribers]);
      for (const subscriber of all) subscriber.end(error);
      await Promise.all(all.map((subscriber) => subscriber.ended));
    },
  };
}

/**
 * Throws RESOURCE_EXHAUSTED when the account already holds `limit` live streams, so
 * one client cannot grow server memory without bound by opening streams.
 */
export function assertSubscriberCapacity<Event extends LiveEvent>(
  hub: LiveHub<Event>,
  accountId: number,
  limit: number,
): void {
  if (hub.countFor(accountId) >= limit) {
    throw new ServerError(
      "RESOURCE_EXHAUSTED",
      `this account already has ${limit} live streams open, the most the server allows; close streams you no longer read before opening more`,
    );
  }
}
