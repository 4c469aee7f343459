import type { AddressServiceDefinition, photon } from "@threadline/protocol";
import {
  addressInfoFor,
  focusStatusOfAddress,
  iMessageAvailability,
} from "../domain/address-lookup.js";
import { unary } from "./handlers.js";
import type { ServiceDependencies } from "./service-dependencies.js";

/**
 * The `photon.imessage.v1.AddressService` implementation, answered from what this
 * server stores: iMessage availability is "the address belongs to an account here",
 * the Focus status is what that account set through threadline.v1.FocusStatusService,
 * and GetAddressInfo returns the registered addresses and the caller's chat
 * participants. Reads only; nothing is logged.
 */
export function createAddressServiceImplementation(deps: ServiceDependencies) {
  const { store } = deps;
  return {
    getAddressInfo: unary<
      photon.imessage.v1.GetAddressInfoRequest,
      photon.imessage.v1.GetAddressInfoResponse.$Properties
    >(deps, async (request, account) => ({
      info: await addressInfoFor(store.repositories, account, request.address),
    })),
    getFocusStatus: unary<
      photon.imessage.v1.GetFocusStatusRequest,
      photon.imessage.v1.GetFocusStatusResponse.$Properties
    >(deps, async (request) => ({
      isSilencedByFocus: await focusStatusOfAddress(store.repositories, request.address),
    })),
    getIMessageAvailability: unary<
      photon.imessage.v1.GetIMessageAvailabilityRequest,
      photon.imessage.v1.GetIMessageAvailabilityResponse.$Properties
    >(deps, async (request) => ({
      isAvailable: await iMessageAvailability(store.repositories, request.address),
    })),
  } satisfies Record<keyof typeof AddressServiceDefinition, unknown>;
}
