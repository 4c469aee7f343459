/** Capability names a Threadline server lists in `GetServerInfo`. */
export const capability = {
  catchUpBatches: "threadline.catch_up_batches",
  subscribeEvents: "threadline.subscribe_events",
  fetchEvents: "threadline.fetch_events",
  chatArchive: "threadline.chat_archive",
  logInfo: "threadline.log_info",
  focusStatus: "threadline.focus_status",
  attachmentUpload: "threadline.attachment_upload",
} as const;

/** What the connected server supports. */
export interface ServerCapabilities {
  /** Server name; `undefined` for a plain photon.imessage.v1 server. */
  readonly serverName: string | undefined;
  /** Server version; `undefined` for a plain photon.imessage.v1 server. */
  readonly serverVersion: string | undefined;
  /** Capability names; empty for a plain photon.imessage.v1 server (GetServerInfo UNIMPLEMENTED). */
  readonly capabilities: ReadonlySet<string>;
  /** How often idle long-lived streams send a heartbeat, in ms (15000 when the server does not say). */
  readonly heartbeatIntervalMs: number;
  /** Largest batch the server sends, or `undefined` when it does not say. */
  readonly maxBatchSize: number | undefined;
}

/**
 * Looks up what the server supports (cached after the first success). `operation` names
 * what the user called, e.g. `"events.catchUp()"`: a failed lookup names it, not the
 * internal GetServerInfo call.
 */
export type CapabilitiesLookup = (operation?: string) => Promise<ServerCapabilities>;

/** Heartbeat interval assumed when the server does not report one. */
export const defaultHeartbeatIntervalMs = 15_000;

/** The capabilities of a server that does not implement GetServerInfo. */
export const plainServerCapabilities: ServerCapabilities = Object.freeze({
  serverName: undefined,
  serverVersion: undefined,
  capabilities: new Set<string>(),
  heartbeatIntervalMs: defaultHeartbeatIntervalMs,
  maxBatchSize: undefined,
});
