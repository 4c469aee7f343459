import { invalidArgument } from "../errors/common-errors.js";
import { ServerError } from "../errors/server-error.js";

/**
 * Stands in for a request that could not be decoded or was too large. grpc-js would
 * answer those with a bare INTERNAL / RESOURCE_EXHAUSTED; the server's deserializers
 * return this instead so that the handler wrappers answer with a typed error.
 */
export class RejectedRequest {
  constructor(readonly error: ServerError) {}
}

/**
 * Wraps a request deserializer: bytes over `maxBytes` or that fail to decode become a
 * {@link RejectedRequest} naming the message type and the limit.
 */
export function tolerantDeserializer<Request>(
  deserialize: (bytes: Buffer) => Request,
  methodPath: string,
  maxBytes: number,
): (bytes: Buffer) => Request | RejectedRequest {
  return (bytes) => {
    if (bytes.byteLength > maxBytes) {
      return new RejectedRequest(
        new ServerError(
          "PAYLOAD_TOO_LARGE",
          `the request to ${methodPath} is ${bytes.byteLength} bytes; requests may be at most ${maxBytes} bytes`,
        ),
      );
    }
    try {
      return deserialize(bytes);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return new RejectedRequest(
        invalidArgument(
          `the request to ${methodPath} is not a valid protobuf message of the expected type (${reason}); send a message encoded from the published .proto`,
        ),
      );
    }
  };
}

/** Throws the typed error of a rejected request; returns the request otherwise. */
export function acceptRequest<Request>(request: Request | RejectedRequest): Request {
  if (request instanceof RejectedRequest) throw request.error;
  return request;
}
