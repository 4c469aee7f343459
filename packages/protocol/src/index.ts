/**
 * @threadline/protocol: the Threadline wire protocol, generated from `proto/`.
 *
 * - `photon.imessage.v1.*`: messages compatible with the published photon.imessage.v1
 *   protocol; `threadline.v1.*`: Threadline-only additions.
 * - `*ServiceDefinition`: service definitions for `@grpc/grpc-js`, client and server.
 * - 64-bit integers are `number`; a value above 2^53-1 is a decode error.
 * - `bytes` are `Uint8Array`; timestamps convert with {@link timestampToDate} and
 *   {@link timestampFromDate}.
 * - {@link metadataKeys} and {@link serverErrorCodes}: the contract carried in gRPC
 *   metadata (auth, idempotency keys, error trailers).
 */
export { google, photon, threadline } from "./generated/protocol.js";
export * from "./generated/services.js";
// ---- integration points ----------------------------------------------------------
export type {
  EncodedMessage,
  GrpcMethodDefinition,
  MessageCodec,
  RequestOf,
  ResponseOf,
} from "./runtime/grpc-method.js";
export { type TimestampFields, timestampFromDate, timestampToDate } from "./runtime/timestamp.js";
export { metadataKeys, type ServerErrorCode, serverErrorCodes } from "./runtime/wire-metadata.js";
