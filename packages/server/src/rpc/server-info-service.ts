import type { ServerInfoServiceDefinition, threadline } from "@threadline/protocol";
import { type HandlerDependencies, unary } from "./handlers.js";
import type { ServiceDependencies } from "./service-dependencies.js";

/** Threadline additions this server implements, as GetServerInfo lists them. */
export const serverCapabilities = [
  "threadline.catch_up_batches",
  "threadline.subscribe_events",
  "threadline.fetch_events",
  "threadline.chat_archive",
  "threadline.log_info",
  "threadline.attachment_upload",
  "threadline.location_sharing",
  "threadline.focus_status",
] as const;

/**
 * `threadline.v1.ServerInfoService`: name, version, capabilities, heartbeat interval
 * and largest batch. `chatArchive` says whether the archive service is wired.
 */
export function createServerInfoServiceImplementation(
  dependencies: Pick<ServiceDependencies, "store" | "logger" | "config"> &
    HandlerDependencies & { readonly chatArchive: boolean },
) {
  const { config } = dependencies;
  const capabilities = serverCapabilities.filter(
    (capability) => capability !== "threadline.chat_archive" || dependencies.chatArchive,
  );
  return {
    getServerInfo: unary<threadline.v1.GetServerInfoRequest, threadline.v1.ServerInfo.$Properties>(
      dependencies,
      () => ({
        serverName: "threadline",
        serverVersion: config.version,
        capabilities: [...capabilities],
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        maxBatchSize: config.maxBatchSize,
      }),
    ),
  } satisfies Record<keyof typeof ServerInfoServiceDefinition, unknown>;
}
