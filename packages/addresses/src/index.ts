/**
 * @threadline/addresses: look up addresses and Focus status as `im.addresses`.
 *
 * ```ts
 * import { addresses } from "@threadline/addresses";
 * import { createClient } from "@threadline/core";
 *
 * const im = createClient({ address, token, resources: { addresses } });
 * if (await im.addresses.isIMessageAvailable("bob@example.com")) { ... }
 * await im.addresses.setFocusStatus(true);
 * ```
 */

export type { ChatServiceType } from "@threadline/core";
export type { AddressCallOptions, MultiServiceAddressInfo } from "./address-info.js";
export { type AddressesResource, addresses } from "./addresses-resource.js";
