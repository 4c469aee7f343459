import type { FocusStatusServiceDefinition, threadline } from "@threadline/protocol";
import { focusStatusOf } from "../domain/focus-status.js";
import { runWrite } from "../domain/write-operations.js";
import { unary } from "./handlers.js";
import type { ServiceDependencies } from "./service-dependencies.js";

type FocusStatus = threadline.v1.FocusStatus.$Properties;

/**
 * The `threadline.v1.FocusStatusService` implementation (capability
 * `threadline.focus_status`): each account sets and reads its own Focus status, which
 * AddressService.GetFocusStatus reports for every address of the account. A set is
 * durable (fsync'd) before it is answered, safe to repeat, and not a log event.
 */
export function createFocusStatusServiceImplementation(deps: ServiceDependencies) {
  const { store } = deps;
  return {
    setFocusStatus: unary<threadline.v1.SetFocusStatusRequest, FocusStatus>(
      deps,
      (request, account) =>
        runWrite(store, "addresses.setFocusStatus", {
          accountId: account.id,
          isSilenced: request.isSilencedByFocus === true,
        }),
    ),
    getOwnFocusStatus: unary<threadline.v1.GetOwnFocusStatusRequest, FocusStatus>(
      deps,
      async (_request, account) => ({
        isSilencedByFocus: await focusStatusOf(store.repositories, account.id),
      }),
    ),
  } satisfies Record<keyof typeof FocusStatusServiceDefinition, unknown>;
}
