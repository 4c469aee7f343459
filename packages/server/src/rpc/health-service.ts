import type { Server } from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";

/** The standard `grpc.health.v1.Health` service of one server, and its status switch. */
export interface HealthService {
  /** SERVING, or NOT_SERVING while the database is unreachable or the server stops. */
  setServing(serving: boolean): void;
  /** Whether the last status set was SERVING. */
  readonly serving: boolean;
  /** Ends every open Watch call (at shutdown, after NOT_SERVING went out), so none holds the drain. */
  endWatches(): void;
}

interface EndableCall {
  end(): void;
  once(event: string, listener: () => void): unknown;
}

function isEndableCall(value: unknown): value is EndableCall {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, "end") === "function" &&
    typeof Reflect.get(value, "once") === "function"
  );
}

/**
 * Adds the health service (the maintained `grpc-health-check` implementation of
 * `grpc.health.v1`: Check, Watch and List) to `server`. The whole server is the
 * service named `""`, as load balancers and `grpc_health_probe` ask by default.
 */
export function addHealthService(server: Server): HealthService {
  const health = new HealthImplementation({ "": "SERVING" });
  let serving = true;
  const watches = new Set<EndableCall>();
  health.addToServer({
    addService(definition, implementation) {
      const watch = implementation.watch;
      if (watch === undefined) {
        server.addService(definition, implementation);
        return;
      }
      server.addService(definition, {
        ...implementation,
        watch(call: unknown) {
          if (isEndableCall(call)) {
            watches.add(call);
            for (const event of ["finish", "close", "cancelled", "error"]) {
              call.once(event, () => watches.delete(call));
            }
          }
          Reflect.apply(watch, implementation, [call]);
        },
      });
    },
  });
  return {
    get serving() {
      return serving;
    },
    setServing(next) {
      serving = next;
      health.setStatus("", next ? "SERVING" : "NOT_SERVING");
    },
    endWatches() {
      for (const call of [...watches]) call.end();
      watches.clear();
    },
  };
}
