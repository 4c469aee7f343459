import type { FocusStatusServiceDefinition, threadline } from "@threadline/protocol";
import { focusStatusOf, setFocusStatus } from "../domain/focus-status.js";
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
      async (request, account) => ({
        isSilencedByFocus: await store.write((context) =>
          setFocusStatus(context, account.id, request.isSilencedByFocus),
        ),
      }),
    ),
    getOwnFocusStatus: unary<threadline.v1.GetOwnFocusStatusRequest, FocusStatus>(
      deps,
      (_request, account) => ({
        isSilencedByFocus: store.read((db) => focusStatusOf(db, account.id)),
      }),
    ),
  } satisfies Record<keyof typeof FocusStatusServiceDefinition, unknown>;
}
