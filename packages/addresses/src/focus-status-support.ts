import { type ClientContext, capability, UnimplementedError } from "@threadline/core";

/**
 * Fails unless the server offers `threadline.v1.FocusStatusService`. The capability
 * list is cached by the client, so this asks the server at most once per client.
 *
 * @throws UnimplementedError when the server does not list `threadline.focus_status`
 * (a plain photon.imessage.v1 server lists nothing).
 * @internal not covered by semver
 */
export async function requireFocusStatusSupport(
  context: ClientContext,
  operation: string,
): Promise<void> {
  const server = await context.serverCapabilities(operation);
  if (!server.capabilities.has(capability.focusStatus)) {
    throw new UnimplementedError(
      `${operation} needs a Threadline server with the "${capability.focusStatus}" capability; this server does not list it (the published photon.imessage.v1 protocol can read a Focus status but has no call that sets one)`,
      { context: { capability: capability.focusStatus } },
    );
  }
}
