import type { ServiceDefinition, UntypedServiceImplementation } from "@grpc/grpc-js";
import { ServerError } from "../errors/server-error.js";
import { serviceErrorOf } from "./error-status.js";
import { tolerantDeserializer } from "./malformed-request.js";

/** Tracks the calls in progress, so shutdown and test fixtures can see leaks. */
export interface CallTracker {
  /** Paths of the calls that have started and not finished. */
  readonly active: ReadonlyMap<number, string>;
}

/** @internal a CallTracker the registry updates. */
export interface MutableCallTracker extends CallTracker {
  start(path: string): () => void;
}

/** Creates an empty call tracker. */
export function createCallTracker(): MutableCallTracker {
  const active = new Map<number, string>();
  let next = 0;
  return {
    active,
    start(path) {
      const id = next++;
      active.set(id, path);
      return () => {
        active.delete(id);
      };
    },
  };
}

function unimplemented(path: string): ServerError {
  return new ServerError(
    "UNIMPLEMENTED",
    `this server does not implement ${path}; check GetServerInfo capabilities`,
  );
}

type Handler = (...args: unknown[]) => unknown;

interface TrackableCall {
  once(event: string, listener: () => void): unknown;
}

/**
 * Prepares one service for `Server.addService`: request deserializers that turn bad or
 * oversized bytes into typed errors, UNIMPLEMENTED (with trailers) for methods the
 * implementation lacks, and call tracking.
 */
export function prepareService(
  definition: ServiceDefinition,
  implementation: Readonly<Record<string, unknown>>,
  options: { readonly maxRequestBytes: number; readonly tracker: MutableCallTracker },
): { definition: ServiceDefinition; implementation: UntypedServiceImplementation } {
  const preparedDefinition: Record<string, ServiceDefinition[string]> = {};
  const preparedImplementation: Record<string, Handler> = {};
  for (const [name, method] of Object.entries(definition)) {
    preparedDefinition[name] = {
      ...method,
      requestDeserialize: tolerantDeserializer(
        method.requestDeserialize,
        method.path,
        options.maxRequestBytes,
      ),
    };
    const given = implementation[name];
    if (method.responseStream) {
      const body: Handler =
        typeof given === "function"
          ? (given as Handler)
          : (call: unknown) => {
              const stream = call as { emit(event: string, value: unknown): void };
              stream.emit("error", serviceErrorOf(unimplemented(method.path)));
            };
      preparedImplementation[name] = (call: unknown) => {
        const finish = options.tracker.start(method.path);
        const trackable = call as TrackableCall;
        for (const event of ["finish", "close", "cancelled", "error"])
          trackable.once(event, finish);
        return body(call);
      };
    } else {
      const body: Handler =
        typeof given === "function"
          ? (given as Handler)
          : (_call: unknown, callback: unknown) =>
              (callback as (error: unknown) => void)(serviceErrorOf(unimplemented(method.path)));
      preparedImplementation[name] = (call: unknown, callback: unknown) => {
        const finish = options.tracker.start(method.path);
        const respond = callback as (...args: unknown[]) => void;
        return body(call, (...args: unknown[]) => {
          finish();
          respond(...args);
        });
      };
    }
  }
  return {
    definition: preparedDefinition,
    implementation: preparedImplementation,
  };
}
