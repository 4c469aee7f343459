import { ServerInfoServiceDefinition } from "@threadline/protocol";
import { UnimplementedError } from "../errors/error-classes.js";
import type { Transport } from "../transport/grpc-transport.js";
import {
  type CapabilitiesLookup,
  defaultHeartbeatIntervalMs,
  plainServerCapabilities,
  type ServerCapabilities,
} from "./server-capabilities.js";

/**
 * Asks the server once what it supports and remembers the answer. A server answering
 * UNIMPLEMENTED is a plain photon.imessage.v1 server (no capabilities); any other
 * failure is not remembered, so the next caller asks again; it is named after the
 * caller's `operation`. With `enabled: false` the client never asks and uses only the
 * standard RPCs.
 *
 * @internal not covered by semver
 */
export function createCapabilitiesCache(
  transport: Transport,
  enabled: boolean,
  fallbackHeartbeatIntervalMs: number = defaultHeartbeatIntervalMs,
): CapabilitiesLookup {
  let cached: Promise<ServerCapabilities> | undefined;
  const plain: ServerCapabilities =
    fallbackHeartbeatIntervalMs === plainServerCapabilities.heartbeatIntervalMs
      ? plainServerCapabilities
      : Object.freeze({
          ...plainServerCapabilities,
          heartbeatIntervalMs: fallbackHeartbeatIntervalMs,
        });
  return (operation) => {
    if (!enabled) return Promise.resolve(plain);
    cached ??= transport
      .unary(
        ServerInfoServiceDefinition.getServerInfo,
        {},
        operation === undefined ? {} : { operation },
      )
      .then(
        (info): ServerCapabilities => ({
          serverName: info.serverName ?? undefined,
          serverVersion: info.serverVersion ?? undefined,
          capabilities: new Set(info.capabilities ?? []),
          heartbeatIntervalMs:
            typeof info.heartbeatIntervalMs === "number" && info.heartbeatIntervalMs > 0
              ? info.heartbeatIntervalMs
              : fallbackHeartbeatIntervalMs,
          maxBatchSize:
            typeof info.maxBatchSize === "number" && info.maxBatchSize > 0
              ? info.maxBatchSize
              : undefined,
        }),
        (error: unknown) => {
          if (UnimplementedError.is(error)) return plain;
          cached = undefined;
          throw error;
        },
      );
    return cached;
  };
}
