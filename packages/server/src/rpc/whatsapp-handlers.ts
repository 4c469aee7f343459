import type {
  handleServerStreamingCall,
  handleUnaryCall,
  ServerUnaryCall,
  ServerWritableStream,
} from "@grpc/grpc-js";
import { authenticateWhatsAppNumber, type WhatsAppNumber } from "../whatsapp/number-registry.js";
import { type HandlerDependencies, toServiceError } from "./handlers.js";
import { acceptRequest } from "./malformed-request.js";

/** A unary photon.whatsapp.v1 body: runs with the authenticated business number. */
export type WhatsAppUnaryImplementation<Request, Response> = (
  request: Request,
  number: WhatsAppNumber,
  call: ServerUnaryCall<Request, Response>,
) => Response | Promise<Response>;

/** A server-streaming body: resolves when done writing, or throws RpcError to fail the call. */
export type WhatsAppStreamImplementation<Request, Response> = (
  request: Request,
  number: WhatsAppNumber,
  call: ServerWritableStream<Request, Response>,
) => Promise<void>;

/**
 * Wraps a unary WhatsApp body like `unary` in handlers.ts, but the caller is a business
 * number authenticated by `phone_number_id`, `access_token` and `app_secret` metadata
 * (UNAUTHENTICATED otherwise). Thrown RpcErrors become their status and trailers.
 */
export function whatsappUnary<Request, Response>(
  dependencies: HandlerDependencies,
  implementation: WhatsAppUnaryImplementation<Request, Response>,
): handleUnaryCall<Request, Response> {
  return (call, callback) => {
    const method = call.getPath();
    let number: WhatsAppNumber;
    try {
      number = authenticateWhatsAppNumber(call.metadata, dependencies.store);
    } catch (error) {
      callback(toServiceError(error, dependencies.logger, method));
      return;
    }
    Promise.resolve()
      .then(() => implementation(acceptRequest(call.request), number, call))
      .then(
        (response) => callback(null, response),
        (error: unknown) => callback(toServiceError(error, dependencies.logger, method)),
      );
  };
}

/** Wraps a server-streaming WhatsApp body like {@link whatsappUnary}. */
export function whatsappServerStream<Request, Response>(
  dependencies: HandlerDependencies,
  implementation: WhatsAppStreamImplementation<Request, Response>,
): handleServerStreamingCall<Request, Response> {
  return (call) => {
    const method = call.getPath();
    const fail = (error: unknown) => {
      if (call.cancelled || call.writableEnded) return;
      call.emit("error", toServiceError(error, dependencies.logger, method));
    };
    let number: WhatsAppNumber;
    try {
      number = authenticateWhatsAppNumber(call.metadata, dependencies.store);
    } catch (error) {
      fail(error);
      return;
    }
    Promise.resolve()
      .then(() => implementation(acceptRequest(call.request), number, call))
      .then(() => {
        if (!call.cancelled && !call.writableEnded) call.end();
      }, fail);
  };
}
