import { type ChannelCredentials, type ChannelOptions, credentials } from "@grpc/grpc-js";
import { invalidArgument } from "../errors/invalid-argument.js";

/** TLS settings: `true` for the system roots, or explicit PEM material. */
export type TlsOptions =
  | boolean
  | {
      /** PEM root certificates to trust instead of the system roots. */
      readonly rootCerts?: Uint8Array;
      /** PEM private key for mutual TLS. */
      readonly privateKey?: Uint8Array;
      /** PEM certificate chain for mutual TLS. */
      readonly certChain?: Uint8Array;
    };

/**
 * Keepalive defaults for long-lived connections through idle-killing load balancers:
 * ping every 30 s, give up after 10 s without an answer, also while no call is open.
 * Any key can be overridden through `channelOptions`.
 */
export const defaultChannelOptions: Readonly<ChannelOptions> = Object.freeze({
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
});

/** @internal not covered by semver */
export function channelCredentials(tls: TlsOptions | undefined): ChannelCredentials {
  if (tls === undefined || tls === false) return credentials.createInsecure();
  if (tls === true) return credentials.createSsl();
  if (typeof tls !== "object" || tls === null) {
    throw invalidArgument("tls", "true, false, or { rootCerts?, privateKey?, certChain? }", tls);
  }
  const buffer = (value: Uint8Array | undefined) =>
    value === undefined ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return credentials.createSsl(
    buffer(tls.rootCerts),
    buffer(tls.privateKey),
    buffer(tls.certChain),
  );
}

/**
 * The options of one channel: the defaults, then the caller's overrides, then a
 * distinct `channel_kind` so grpc-js never shares one subchannel between the unary
 * and the streaming client.
 *
 * @internal not covered by semver
 */
export function channelOptionsFor(
  kind: "unary" | "stream",
  overrides: ChannelOptions | undefined,
): ChannelOptions {
  // A larger HTTP/2 window lets the server keep sending catch-up batches while the
  // client decodes the previous ones, instead of waiting for window updates.
  const streamDefaults =
    kind === "stream" ? { "grpc-node.flow_control_window": 4 * 1024 * 1024 } : {};
  return {
    ...defaultChannelOptions,
    ...streamDefaults,
    ...overrides,
    "threadline.channel_kind": kind,
  };
}
