/**
 * @threadline/whatsapp: the WhatsApp Business client for a Threadline server.
 *
 * ```ts
 * const wa = createClient({ address, accessToken, phoneNumberId, appSecret });
 * for await (const event of wa.events.subscribe({ cursor })) { ... }
 * ```
 */
// biome-ignore-all assist/source/organizeImports: the front door lists user-facing exports first

// ---- client -----------------------------------------------------------------------
export {
  type ClientOptions,
  createClient,
  type WhatsAppClient,
  type WhatsAppCredentials,
} from "./create-client.js";

// ---- events -----------------------------------------------------------------------
export type { EventsResource } from "./events-resource.js";
export type { SubscribeOptions } from "./subscribe-source.js";
export {
  defaultFetchLimit,
  type FetchMissedOptions,
  type FetchMissedResult,
  maxFetchLimit,
} from "./fetch-missed.js";
export type {
  Contact,
  ContactAddress,
  ContactCard,
  ContactEmail,
  ContactName,
  ContactOrg,
  ContactPhone,
  ContactUrl,
  Conversation,
  EventPosition,
  InboundButton,
  InboundButtonReply,
  InboundContent,
  InboundInteractive,
  InboundListReply,
  InboundMedia,
  InboundMessage,
  InboundMessageEvent,
  InboundNfmReply,
  InboundSticker,
  Location,
  MessageContext,
  MessageStatus,
  Order,
  OrderProductItem,
  Pricing,
  Reaction,
  ReferredProduct,
  Referral,
  StatusUpdate,
  StatusUpdateEvent,
  SystemMessage,
  WhatsAppApiError,
  WhatsAppEvent,
} from "./whatsapp-types.js";

// ---- messages and media -----------------------------------------------------------
export type {
  MarkReadOptions,
  MessagesResource,
  RequestOptions,
  SendMessageResult,
  SendOptions,
} from "./messages-resource.js";
export {
  type InteractiveActionInput,
  type InteractiveHeaderInput,
  type InteractiveInput,
  type MediaInput,
  type MessageContent,
  type MessageContentKinds,
  maxCallbackDataLength,
  maxTextLength,
  type SendMessageParams,
  type TemplateComponentInput,
  type TemplateInput,
  type TemplateParameterInput,
  type TextInput,
} from "./send-request.js";
export type {
  MediaResource,
  MediaUrlResult,
  UploadOptions,
  UploadResult,
} from "./media-resource.js";

// ---- errors (core's one family) ---------------------------------------------------
export {
  AuthenticationError,
  CancelledError,
  ConnectionError,
  CursorAheadOfHeadError,
  NotFoundError,
  ProtocolError,
  RateLimitError,
  ThreadlineError,
  TypedEventStream,
  UnimplementedError,
  ValidationError,
} from "@threadline/core";
export type { ReconnectOptions, RetryOptions, TlsOptions } from "@threadline/core";
