/**
 * @threadline/core: the Threadline client.
 *
 * ```ts
 * const im = createClient({ address: "127.0.0.1:50051", token });
 * for await (const event of im.events.subscribe({ cursor })) { ... }
 * ```
 */
// biome-ignore-all assist/source/organizeImports: the front door lists user-facing exports first

// ---- client -----------------------------------------------------------------------
export {
  type BaseClient,
  type ClientOptions,
  createClient,
  type ResourceFactories,
  type ThreadlineClient,
} from "./client/create-client.js";
export type { TokenSource } from "./transport/auth-metadata.js";
export { defaultChannelOptions, type TlsOptions } from "./transport/channel-setup.js";
export type { RetryOptions } from "./transport/retry-options.js";

// ---- events -----------------------------------------------------------------------
export type {
  CatchUpCompleteEvent,
  CatchUpEvent,
  ChatEvent,
  DomainEvent,
  EventContext,
  EventDomain,
  EventType,
  EventTypeMap,
  GroupChange,
  GroupEvent,
  LiveEvent,
  LiveEventMap,
  MessageEvent,
  PollChangeDelta,
  PollEvent,
  SubscribedEvent,
  UnknownEvent,
} from "./events/domain-events.js";
export type {
  AttachmentInfo,
  ChatServiceType,
  CompanionKind,
  Message,
  MessageAppliedReaction,
  MessageContent,
  MessageItemType,
  MessageMention,
  MessagePlacedSticker,
  MessageReaction,
  MiniAppContent,
  MiniAppLayoutInfo,
  PollOption,
  SingleServiceAddressInfo,
  StickerPlacement,
  TextFormat,
  TransferState,
} from "./events/domain-types.js";
export type {
  EventsResource,
  FetchMissedOptions,
  FetchMissedResult,
  LiveFilter,
  LogInfo,
  SubscribeOptions,
  SubscriptionState,
} from "./events/events-resource.js";
export { defaultFetchLimit, maxFetchLimit } from "./events/fetch-missed.js";
export type { ReconnectOptions } from "./reconnect/backoff-policy.js";

// ---- streams ----------------------------------------------------------------------
export type { EventSource, StreamInput } from "./stream/event-source.js";
export { LiveEventStream } from "./stream/live-event-stream.js";
export { TypedEventStream } from "./stream/typed-event-stream.js";

// ---- chat GUIDs -------------------------------------------------------------------
export {
  type ChatGuid,
  directChat,
  groupChat,
  isChatGuid,
  type ParsedChatGuid,
  parseChatGuid,
} from "./chat-guid.js";
export { normalizeAddress } from "./validation/address.js";

// ---- message effects --------------------------------------------------------------
export { isMessageEffect, MessageEffect, messageEffectNames } from "./message-effect.js";

// ---- errors -----------------------------------------------------------------------
export {
  AuthenticationError,
  CancelledError,
  ConflictError,
  ConnectionError,
  CursorAheadOfHeadError,
  type CursorAheadOfHeadErrorOptions,
  NotFoundError,
  ProtocolError,
  RateLimitError,
  SequenceNotRetainedError,
  type SequenceNotRetainedErrorOptions,
  ServerError,
  UnimplementedError,
  ValidationError,
  type ValidationErrorOptions,
} from "./errors/error-classes.js";
export {
  type ErrorCode,
  ThreadlineError,
  type ThreadlineErrorOptions,
} from "./errors/threadline-error.js";

// ---- integration points (for resource packages such as @threadline/chats) -----------
export type { ClientContext, ResourceFactory } from "./client/client-context.js";
export { capability, type ServerCapabilities } from "./client/server-capabilities.js";
export {
  type ResourceCallOptions,
  type ResourceWriteOptions,
  type ResourceWriteSettings,
  resourceCallSettings,
  resourceWriteSettings,
} from "./client/resource-call-options.js";
export { errorFromGrpc, toThreadlineError } from "./errors/grpc-error-mapping.js";
export { describeReceived, invalidArgument } from "./errors/invalid-argument.js";
export { allowedAddresses } from "./validation/address.js";
export { checkMessageGuid } from "./validation/message-guid.js";
export { type EventFrame, eventFromFrame } from "./events/event-mapper.js";
export { type Chat, chatFromWire } from "./events/chat-from-wire.js";
export type { RpcCalls, StreamCallOptions, UnaryCallOptions } from "./transport/rpc-calls.js";
export {
  addressFromWire,
  attachmentFromWire,
  contentFromWire,
  messageFromWire,
  placementFromWire,
  pollOptionFromWire,
  reactionFromWire,
  serviceTypeFromWire,
} from "./events/wire-values.js";
export {
  type BackoffPolicy,
  createBackoffPolicy,
  createDelaySchedule,
  type DelaySchedule,
} from "./reconnect/backoff-policy.js";
export {
  type ConnectionPlan,
  createResumableConnection,
  type ResumableConnection,
  type ResumableConnectionOptions,
  type ResumableConnectionStats,
  type ResumableStatus,
  type ResumableStream,
} from "./resumable/resumable-connection.js";
export {
  createStreamWatchdog,
  type StreamWatchdog,
  type StreamWatchdogOptions,
  type WatchedConnection,
} from "./resumable/stream-watchdog.js";
export { canHeal } from "./resumable/failure-classification.js";
export { defaultHeartbeatIntervalMs } from "./client/server-capabilities.js";
export type { AuthHeadersSource } from "./transport/auth-headers.js";
export {
  createTransport,
  type SourceCallOptions,
  type StreamConnection,
  type Transport,
  type TransportOptions,
} from "./transport/grpc-transport.js";
export { createPushSource, type PushSource } from "./stream/push-source.js";
