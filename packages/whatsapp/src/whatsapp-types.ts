// The shapes a WhatsApp client hands to its user, as the reference docs define them.

/** Delivery state of a message the business sent. */
export type MessageStatus = "sent" | "delivered" | "read" | "played" | "failed";

/** The sender of an inbound message. */
export interface Contact {
  readonly name?: string;
  readonly waId: string;
}

/** An error object as Meta reports it on a message or a status update. */
export interface WhatsAppApiError {
  readonly code: number;
  readonly details?: string;
  readonly href?: string;
  readonly message?: string;
  readonly title: string;
}

/** A product a reply refers to. */
export interface ReferredProduct {
  readonly catalogId: string;
  readonly productRetailerId: string;
}

/** Reply-to metadata: set when the user replied to one of the business's messages. */
export interface MessageContext {
  readonly forwarded?: boolean;
  readonly frequentlyForwarded?: boolean;
  readonly from?: string;
  readonly id?: string;
  readonly referredProduct?: ReferredProduct;
}

/** The Click-to-WhatsApp ad that brought the user. */
export interface Referral {
  readonly body?: string;
  readonly headline?: string;
  readonly sourceId?: string;
  readonly sourceType: string;
  readonly sourceUrl: string;
}

/** The conversation a status update is billed under. */
export interface Conversation {
  readonly expiration?: Date;
  readonly id: string;
  readonly originType: string;
}

/** Pricing of a status update. */
export interface Pricing {
  readonly billable: boolean;
  readonly category: string;
  readonly pricingModel: string;
  readonly type: string;
}

/** A location, inbound or outbound. */
export interface Location {
  readonly address?: string;
  readonly latitude: number;
  readonly longitude: number;
  readonly name?: string;
}

/** Media a user sent (image, video, audio, document); fetch it with `media.getUrl(id)`. */
export interface InboundMedia {
  readonly caption?: string;
  readonly filename?: string;
  readonly id: string;
  readonly mimeType: string;
  readonly sha256?: string;
  readonly voice?: boolean;
}

/** A sticker a user sent. */
export interface InboundSticker {
  readonly animated?: boolean;
  readonly id: string;
  readonly mimeType: string;
  readonly sha256?: string;
}

/** A tap on a reply button. */
export interface InboundButtonReply {
  readonly id: string;
  readonly title: string;
}

/** A pick from a list message. */
export interface InboundListReply {
  readonly description?: string;
  readonly id: string;
  readonly title: string;
}

/** A Flow's answer. */
export interface InboundNfmReply {
  readonly body?: string;
  readonly name?: string;
  readonly responseJson: string;
}

/** An interactive reply, narrowed by `type`. */
export type InboundInteractive =
  | { readonly type: "button_reply"; readonly reply: InboundButtonReply }
  | { readonly type: "list_reply"; readonly reply: InboundListReply }
  | { readonly type: "nfm_reply"; readonly reply: InboundNfmReply };

/** A tap on a template's quick-reply button. */
export interface InboundButton {
  readonly payload: string;
  readonly text: string;
}

/** One line of an order. */
export interface OrderProductItem {
  readonly currency: string;
  readonly itemPrice: number;
  readonly productRetailerId: string;
  readonly quantity: number;
}

/** An order from a catalog. */
export interface Order {
  readonly catalogId: string;
  readonly productItems: readonly OrderProductItem[];
  readonly text?: string;
}

/** A system message (e.g. the user changed their number). */
export interface SystemMessage {
  readonly body: string;
  readonly newWaId?: string;
  readonly type: string;
  readonly waId?: string;
}

/** A contact card's name. */
export interface ContactName {
  readonly firstName?: string;
  readonly formattedName: string;
  readonly lastName?: string;
  readonly middleName?: string;
  readonly prefix?: string;
  readonly suffix?: string;
}

/** A contact card's phone number. */
export interface ContactPhone {
  readonly phone: string;
  readonly type?: string;
  readonly waId?: string;
}

/** A contact card's email. */
export interface ContactEmail {
  readonly email: string;
  readonly type?: string;
}

/** A contact card's postal address. */
export interface ContactAddress {
  readonly city?: string;
  readonly country?: string;
  readonly countryCode?: string;
  readonly state?: string;
  readonly street?: string;
  readonly type?: string;
  readonly zip?: string;
}

/** A contact card's organisation. */
export interface ContactOrg {
  readonly company?: string;
  readonly department?: string;
  readonly title?: string;
}

/** A contact card's URL. */
export interface ContactUrl {
  readonly type?: string;
  readonly url: string;
}

/** A contact card, inbound or outbound. */
export interface ContactCard {
  readonly addresses: readonly ContactAddress[];
  readonly birthday?: string;
  readonly emails: readonly ContactEmail[];
  readonly name: ContactName;
  readonly org?: ContactOrg;
  readonly phones: readonly ContactPhone[];
  readonly urls: readonly ContactUrl[];
}

/** A reaction, inbound or outbound. */
export interface Reaction {
  readonly emoji: string;
  readonly messageId: string;
}

/**
 * Every content shape a WhatsApp user can send; narrow on `type`. A type this client
 * does not know is `{ type: "unknown", rawType }` (Meta's type string), never a crash.
 */
export type InboundContent =
  | { readonly type: "text"; readonly body: string }
  | { readonly type: "image"; readonly media: InboundMedia }
  | { readonly type: "video"; readonly media: InboundMedia }
  | { readonly type: "audio"; readonly media: InboundMedia }
  | { readonly type: "document"; readonly media: InboundMedia }
  | { readonly type: "sticker"; readonly sticker: InboundSticker }
  | { readonly type: "location"; readonly location: Location }
  | { readonly type: "contacts"; readonly contacts: readonly ContactCard[] }
  | { readonly type: "reaction"; readonly reaction: Reaction }
  | { readonly type: "interactive"; readonly interactive: InboundInteractive }
  | { readonly type: "button"; readonly button: InboundButton }
  | { readonly type: "order"; readonly order: Order }
  | { readonly type: "system"; readonly system: SystemMessage }
  | { readonly type: "unknown"; readonly rawType: string };

/** A message a WhatsApp user sent to the business number. */
export interface InboundMessage {
  readonly contact?: Contact;
  readonly content: InboundContent;
  readonly context?: MessageContext;
  readonly errors: readonly WhatsAppApiError[];
  readonly from: string;
  /** The wamid. */
  readonly id: string;
  /** Meta's type string, as sent (also for types this client does not know). */
  readonly messageType: string;
  readonly referral?: Referral;
  readonly timestamp: Date;
}

/** A delivery status update of a message the business sent. */
export interface StatusUpdate {
  /** Whatever was passed as `bizOpaqueCallbackData` on the original `send()`. */
  readonly bizOpaqueCallbackData?: string;
  readonly conversation?: Conversation;
  readonly errors: readonly WhatsAppApiError[];
  /** The wamid of the message the business sent. */
  readonly id: string;
  readonly pricing?: Pricing;
  readonly recipientId: string;
  readonly status: MessageStatus;
  readonly timestamp: Date;
}

/** Where an event sits in the number's log: the opaque cursor and the numeric sequence. */
export interface EventPosition {
  /** Opaque; save it and pass it back as `subscribe({ cursor })` or `fetchMissed({ cursor })`. */
  readonly cursor: string;
  /**
   * The event's position in the number's log (from 1, contiguous), what
   * `@threadline/recovery` checkpoints. Against a server without the Threadline log
   * RPCs it counts deliveries of this one subscription instead (see the README).
   */
  readonly sequence: number;
}

/** An inbound message event. */
export interface InboundMessageEvent extends EventPosition {
  readonly type: "message";
  readonly message: InboundMessage;
}

/** A status update event. */
export interface StatusUpdateEvent extends EventPosition {
  readonly type: "status";
  readonly status: StatusUpdate;
}

/** Every event of a business number's log; switch on `type`. */
export type WhatsAppEvent = InboundMessageEvent | StatusUpdateEvent;
