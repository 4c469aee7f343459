import {
  type ChatServiceType,
  ProtocolError,
  type ResourceCallOptions,
  serviceTypeFromWire,
} from "@threadline/core";
import type { photon } from "@threadline/protocol";

/** What the server knows about an address (the published client's shape). */
export interface MultiServiceAddressInfo {
  /** The address in canonical form: a lower-case email or an E.164 phone number. */
  readonly address: string;
  /** ISO 3166-1 alpha-2 region code when the server knows one, else `null`. */
  readonly country: string | null;
  /**
   * The services the address is reached over, as a set. On a Threadline server an
   * address of a registered account is `["iMessage"]`; a participant of one of your
   * chats that has no account here is known with no service (`[]`).
   */
  readonly services: readonly ChatServiceType[];
}

/** Per-call options every addresses method accepts: `signal`, `timeoutMs`. */
export type AddressCallOptions = ResourceCallOptions;

/**
 * Maps the info a `GetAddressInfoResponse` must carry onto {@link MultiServiceAddressInfo}.
 *
 * @throws ProtocolError when the response has no info, which no conforming server sends.
 * @internal not covered by semver
 */
export function addressInfoFromWire(
  info: photon.imessage.v1.MultiServiceAddressInfo | null | undefined,
): MultiServiceAddressInfo {
  if (info === null || info === undefined) {
    throw new ProtocolError(
      "the server's GetAddressInfo response has no info, which a conforming server always sends",
      { context: { field: "info" } },
    );
  }
  return {
    address: info.address,
    country: info.country === null || info.country === undefined ? null : info.country,
    services: info.services.map(serviceTypeFromWire),
  };
}
