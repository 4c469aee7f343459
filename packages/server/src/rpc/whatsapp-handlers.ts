import type { handleServerStreamingCall, handleUnaryCall } from "@grpc/grpc-js";
import { authenticateWhatsAppNumber, type WhatsAppNumber } from "../whatsapp/number-registry.js";
import {
  authenticatedServerStream,
  authenticatedUnary,
  type HandlerDependencies,
  type ServerStreamImplementation,
  type UnaryImplementation,
} from "./handlers.js";

/** A unary photon.whatsapp.v1 body: runs with the authenticated business number. */
export type WhatsAppUnaryImplementation<Request, Response> = UnaryImplementation<
  Request,
  Response,
  WhatsAppNumber
>;

/** A server-streaming body: resolves when done writing, or throws ServerError to fail the call. */
export type WhatsAppStreamImplementation<Request, Response> = ServerStreamImplementation<
  Request,
  Response,
  WhatsAppNumber
>;

/**
 * Wraps a unary WhatsApp body like `unary`, but the caller is a business number
 * authenticated by `phone_number_id`, `access_token` and `app_secret` metadata
 * (UNAUTHENTICATED otherwise). Thrown ServerErrors become their status and trailers.
 */
export function whatsappUnary<Request, Response>(
  dependencies: HandlerDependencies,
  implementation: WhatsAppUnaryImplementation<Request, Response>,
): handleUnaryCall<Request, Response> {
  return authenticatedUnary(dependencies, authenticateWhatsAppNumber, implementation);
}

/** Wraps a server-streaming WhatsApp body like {@link whatsappUnary}. */
export function whatsappServerStream<Request, Response>(
  dependencies: HandlerDependencies,
  implementation: WhatsAppStreamImplementation<Request, Response>,
): handleServerStreamingCall<Request, Response> {
  return authenticatedServerStream(dependencies, authenticateWhatsAppNumber, implementation);
}
