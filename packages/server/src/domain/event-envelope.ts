import { photon, timestampFromDate } from "@threadline/protocol";
import type { ChatViewer } from "./chat-records.js";

/** Who did something: the acting account and the address it acted as in the chat. */
export interface Actor {
  readonly accountId: number;
  readonly address: string;
}

/** The wire form of an address; every Threadline participant is on iMessage. */
export function addressInfo(
  address: string,
): photon.imessage.v1.SingleServiceAddressInfo.$Properties {
  return { address, service: photon.imessage.v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE };
}

/**
 * The envelope fields every change event shares, from `viewer`'s side: the chat GUID
 * as the viewer names it, `isFromMe` when the viewer is the actor, and the actor's
 * address.
 */
export function envelopeFor(viewer: ChatViewer, actor: Actor, now: Date) {
  return {
    chatGuid: viewer.chatGuid,
    occurredAt: timestampFromDate(now),
    actor: addressInfo(actor.address),
    isFromMe: viewer.accountId === actor.accountId,
  };
}
