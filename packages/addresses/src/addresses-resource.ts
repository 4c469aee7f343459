import {
  type ClientContext,
  invalidArgument,
  normalizeAddress,
  type ResourceFactory,
  resourceCallSettings,
} from "@threadline/core";
import { AddressServiceDefinition, FocusStatusServiceDefinition } from "@threadline/protocol";
import {
  type AddressCallOptions,
  addressInfoFromWire,
  type MultiServiceAddressInfo,
} from "./address-info.js";
import { requireFocusStatusSupport } from "./focus-status-support.js";

/**
 * `im.addresses`: what the server knows about an address, whether it is on iMessage,
 * whether Focus silences it, and (a Threadline addition) your own Focus status.
 *
 * Every address is checked before any network call with core's one address rule (an
 * email, or a phone number in international E.164 form; surrounding spaces ignored,
 * emails lower-cased) and sent normalised; a rejection is a ValidationError saying what
 * is allowed. The server checks again.
 */
export interface AddressesResource {
  /**
   * What the server knows about the address: its canonical form, the services it is
   * reached over and its country. On a Threadline server that is every address of a
   * registered account (`services: ["iMessage"]`, the country of a phone number) and
   * the participants of your own chats (`services: []` when they have no account).
   *
   * @throws ValidationError for a malformed address; NotFoundError when the server
   * knows nothing about it.
   */
  get(address: string, options?: AddressCallOptions): Promise<MultiServiceAddressInfo>;
  /**
   * Whether Focus currently silences notifications from the address. On a Threadline
   * server: what that address's account last set with {@link setFocusStatus}; `false`
   * for an address without an account or one that never set a status.
   *
   * @throws ValidationError for a malformed address.
   */
  isFocusSilenced(address: string, options?: AddressCallOptions): Promise<boolean>;
  /**
   * Whether the address can be reached over iMessage. On a Threadline server: exactly
   * when it belongs to an account registered there (compared after normalisation).
   *
   * @throws ValidationError for a malformed address.
   */
  isIMessageAvailable(address: string, options?: AddressCallOptions): Promise<boolean>;
  /**
   * Sets your own Focus status, which `isFocusSilenced` then reports to everyone for
   * every address of your account. Durable once it resolves; safe to repeat; not an
   * event in the log. Resolves with the stored status. A Threadline addition: it needs a
   * server with the `threadline.focus_status` capability.
   *
   * @throws ValidationError when `isSilenced` is not a boolean; UnimplementedError when
   * the server does not offer it.
   */
  setFocusStatus(isSilenced: boolean, options?: AddressCallOptions): Promise<boolean>;
  /**
   * Your own Focus status as the server stores it (`false` until you set one). A
   * Threadline addition, like {@link setFocusStatus}.
   *
   * @throws UnimplementedError when the server does not offer it.
   */
  isOwnFocusSilenced(options?: AddressCallOptions): Promise<boolean>;
}

/**
 * Builds `im.addresses` on a client's {@link ClientContext}.
 *
 * @internal not covered by semver; use {@link addresses}.
 */
export function createAddressesResource(context: ClientContext): AddressesResource {
  return {
    async get(address, options) {
      const normalized = normalizeAddress(address, "address");
      const response = await context.unary(
        AddressServiceDefinition.getAddressInfo,
        { address: normalized },
        { ...resourceCallSettings("options", options), operation: "addresses.get()" },
      );
      return addressInfoFromWire(response.info);
    },

    async isFocusSilenced(address, options) {
      const normalized = normalizeAddress(address, "address");
      const response = await context.unary(
        AddressServiceDefinition.getFocusStatus,
        { address: normalized },
        { ...resourceCallSettings("options", options), operation: "addresses.isFocusSilenced()" },
      );
      return response.isSilencedByFocus;
    },

    async isIMessageAvailable(address, options) {
      const normalized = normalizeAddress(address, "address");
      const response = await context.unary(
        AddressServiceDefinition.getIMessageAvailability,
        { address: normalized },
        {
          ...resourceCallSettings("options", options),
          operation: "addresses.isIMessageAvailable()",
        },
      );
      return response.isAvailable;
    },

    async setFocusStatus(isSilenced, options) {
      if (typeof isSilenced !== "boolean") {
        throw invalidArgument("isSilenced", "true or false", isSilenced);
      }
      const settings = resourceCallSettings("options", options);
      const operation = "addresses.setFocusStatus()";
      await requireFocusStatusSupport(context, operation);
      const response = await context.unary(
        FocusStatusServiceDefinition.setFocusStatus,
        { isSilencedByFocus: isSilenced },
        // Setting a value is safe to repeat, so the SDK's retries need no key the server keeps.
        { ...settings, mutating: true, operation },
      );
      return response.isSilencedByFocus;
    },

    async isOwnFocusSilenced(options) {
      const settings = resourceCallSettings("options", options);
      const operation = "addresses.isOwnFocusSilenced()";
      await requireFocusStatusSupport(context, operation);
      const response = await context.unary(
        FocusStatusServiceDefinition.getOwnFocusStatus,
        {},
        { ...settings, operation },
      );
      return response.isSilencedByFocus;
    },
  };
}

/**
 * The addresses resource. Add it when creating a client and use it as `im.addresses`:
 *
 * ```ts
 * const im = createClient({ address, token, resources: { addresses } });
 * const onIMessage = await im.addresses.isIMessageAvailable("bob@example.com");
 * ```
 */
export const addresses: ResourceFactory<AddressesResource> = createAddressesResource;
