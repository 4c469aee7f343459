import type {
  handleServerStreamingCall,
  handleUnaryCall,
  Metadata,
  ServerUnaryCall,
  ServerWritableStream,
  ServiceError,
} from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { Account } from "../auth/account.js";
import { authenticate } from "../auth/authenticate.js";
import { shuttingDown } from "../errors/common-errors.js";
import { ServerError } from "../errors/server-error.js";
import { StoreClosedError } from "../storage/store-closed-error.js";
import type { Store } from "../storage/write-context.js";
import { serviceErrorOf } from "./error-status.js";
import { acceptRequest } from "./malformed-request.js";

/** What the handler wrappers need: the store (for tokens) and a logger for INTERNAL failures. */
export interface HandlerDependencies {
  readonly store: Store;
  readonly logger: Logger;
}

/**
 * Who a call is from, read from its metadata; throws or rejects with ServerError
 * (UNAUTHENTICATED) otherwise. It may answer synchronously (a remembered token) so the
 * common call takes no extra promise hop.
 */
export type Authenticator<Caller> = (metadata: Metadata, store: Store) => Caller | Promise<Caller>;

/** A unary RPC body: runs with the authenticated caller; throw {@link ServerError} to fail. */
export type UnaryImplementation<Request, Response, Caller = Account> = (
  request: Request,
  caller: Caller,
  call: ServerUnaryCall<Request, Response>,
) => Response | Promise<Response>;

/**
 * A server-streaming RPC body: writes frames to `call` and resolves when it is done
 * writing (the wrapper then ends the call) or throws {@link ServerError} to fail it. A
 * body that ends the call itself (for example a live stream cut off) may do so; the
 * wrapper then leaves it alone.
 */
export type ServerStreamImplementation<Request, Response, Caller = Account> = (
  request: Request,
  caller: Caller,
  call: ServerWritableStream<Request, Response>,
) => Promise<void>;

/** Converts any thrown value to the status a client sees; anything but a ServerError is INTERNAL and logged. */
export function toServiceError(
  error: unknown,
  logger: Logger,
  method: string,
): Partial<ServiceError> {
  if (error instanceof ServerError) return serviceErrorOf(error);
  if (error instanceof StoreClosedError) return serviceErrorOf(shuttingDown());
  logger.error({ err: error, method }, "unexpected failure in RPC handler");
  return serviceErrorOf(
    new ServerError("INTERNAL", "internal server error; the failure was logged on the server"),
  );
}

function isPromiseLike<Value>(value: Value | PromiseLike<Value>): value is PromiseLike<Value> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * Wraps a unary RPC body: authenticates the caller with `authenticateCaller`
 * (UNAUTHENTICATED otherwise), rejects an undecodable or oversized request
 * (INVALID_ARGUMENT / RESOURCE_EXHAUSTED PAYLOAD_TOO_LARGE), runs the body, and maps a
 * thrown {@link ServerError} to its status and `error-code` / `x-retryable` trailers;
 * anything else becomes INTERNAL and is logged.
 */
export function authenticatedUnary<Request, Response, Caller>(
  dependencies: HandlerDependencies,
  authenticateCaller: Authenticator<Caller>,
  implementation: UnaryImplementation<Request, Response, Caller>,
): handleUnaryCall<Request, Response> {
  return (call, callback) => {
    const method = call.getPath();
    const fail = (error: unknown) => callback(toServiceError(error, dependencies.logger, method));
    // The body runs right away (no extra promise hops per call); a body that returns a
    // promise is answered when it settles, one that throws is answered with its status.
    const run = (caller: Caller) => {
      let result: Response | PromiseLike<Response>;
      try {
        result = implementation(acceptRequest(call.request), caller, call);
      } catch (error) {
        fail(error);
        return;
      }
      if (!isPromiseLike(result)) {
        callback(null, result);
        return;
      }
      result.then((response) => callback(null, response), fail);
    };
    let caller: Caller | PromiseLike<Caller>;
    try {
      caller = authenticateCaller(call.metadata, dependencies.store);
    } catch (error) {
      fail(error);
      return;
    }
    if (isPromiseLike(caller)) caller.then(run, fail);
    else run(caller);
  };
}

/**
 * Wraps a server-streaming RPC body like {@link authenticatedUnary}. When the body
 * resolves the call ends with OK; when it throws, the call ends with the mapped status.
 * A cancelled call is left alone.
 */
export function authenticatedServerStream<Request, Response, Caller>(
  dependencies: HandlerDependencies,
  authenticateCaller: Authenticator<Caller>,
  implementation: ServerStreamImplementation<Request, Response, Caller>,
): handleServerStreamingCall<Request, Response> {
  return (call) => {
    const method = call.getPath();
    const fail = (error: unknown) => {
      if (call.cancelled || call.writableEnded) return;
      call.emit("error", toServiceError(error, dependencies.logger, method));
    };
    let caller: Caller | PromiseLike<Caller>;
    try {
      caller = authenticateCaller(call.metadata, dependencies.store);
    } catch (error) {
      fail(error);
      return;
    }
    Promise.resolve(caller)
      .then((authenticated) => implementation(acceptRequest(call.request), authenticated, call))
      .then(() => {
        if (!call.cancelled && !call.writableEnded) call.end();
      }, fail);
  };
}

/** {@link authenticatedUnary} for photon.imessage.v1 and threadline.v1: the caller is the account of `authorization: Bearer <token>`. */
export function unary<Request, Response>(
  dependencies: HandlerDependencies,
  implementation: UnaryImplementation<Request, Response>,
): handleUnaryCall<Request, Response> {
  return authenticatedUnary(dependencies, authenticate, implementation);
}

/** {@link authenticatedServerStream} for bearer-token accounts, like {@link unary}. */
export function serverStream<Request, Response>(
  dependencies: HandlerDependencies,
  implementation: ServerStreamImplementation<Request, Response>,
): handleServerStreamingCall<Request, Response> {
  return authenticatedServerStream(dependencies, authenticate, implementation);
}
