import type { Writer } from "protobufjs/minimal.js";

/** The static codec pbjs generates for one message type. */
export interface MessageCodec<Decoded, Properties> {
  encode(message: Properties, writer?: Writer): Writer;
  decode(bytes: Uint8Array): Decoded;
}

declare const encodedBrand: unique symbol;

/**
 * Bytes that are already a valid encoding of `Message`. A serializer passes them
 * through untouched, so a server can send stored events without decoding and
 * re-encoding them.
 */
export type EncodedMessage<Message> = Uint8Array & { readonly [encodedBrand]?: Message };

/**
 * One gRPC method, shaped like `@grpc/grpc-js`'s `MethodDefinition` so that it works
 * with `makeClientConstructor`, `makeGenericClientConstructor` and `Server.addService`.
 * Serializers accept a message object or {@link EncodedMessage} bytes.
 */
export interface GrpcMethodDefinition<
  RequestDecoded,
  RequestProperties,
  ResponseDecoded,
  ResponseProperties,
> {
  readonly path: string;
  readonly originalName: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly requestSerialize: (value: RequestProperties | EncodedMessage<RequestDecoded>) => Buffer;
  readonly requestDeserialize: (bytes: Buffer) => RequestDecoded;
  readonly responseSerialize: (
    value: ResponseProperties | EncodedMessage<ResponseDecoded>,
  ) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => ResponseDecoded;
}

/** Request type a method definition decodes on the server. */
export type RequestOf<M> =
  M extends GrpcMethodDefinition<infer R, unknown, unknown, unknown> ? R : never;
/** Response type a method definition decodes on the client. */
export type ResponseOf<M> =
  M extends GrpcMethodDefinition<unknown, unknown, infer R, unknown> ? R : never;

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function serializer<Decoded, Properties>(codec: MessageCodec<Decoded, Properties>) {
  return (value: Properties | EncodedMessage<Decoded>): Buffer =>
    value instanceof Uint8Array
      ? toBuffer(value)
      : toBuffer(codec.encode(value as Properties).finish());
}

/** @internal used by the generated service definitions */
export function method<RequestDecoded, RequestProperties, ResponseDecoded, ResponseProperties>(
  path: string,
  originalName: string,
  requestStream: boolean,
  responseStream: boolean,
  request: MessageCodec<RequestDecoded, RequestProperties>,
  response: MessageCodec<ResponseDecoded, ResponseProperties>,
): GrpcMethodDefinition<RequestDecoded, RequestProperties, ResponseDecoded, ResponseProperties> {
  return {
    path,
    originalName,
    requestStream,
    responseStream,
    requestSerialize: serializer(request),
    requestDeserialize: (bytes) => request.decode(bytes),
    responseSerialize: serializer(response),
    responseDeserialize: (bytes) => response.decode(bytes),
  };
}
