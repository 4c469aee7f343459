import { type ClientContext, capability, UnimplementedError } from "@threadline/core";

/**
 * Fails unless the server offers `threadline.v1.ChatArchiveService`. The capability list
 * is cached by the client, so this asks the server at most once per client.
 *
 * @throws UnimplementedError when the server does not list `threadline.chat_archive`
 * (a plain photon.imessage.v1 server lists nothing).
 * @internal not covered by semver
 */
export async function requireArchiveSupport(
  context: ClientContext,
  operation: "archive" | "unarchive",
): Promise<void> {
  const server = await context.serverCapabilities();
  if (!server.capabilities.has(capability.chatArchive)) {
    throw new UnimplementedError(
      `chats.${operation}() needs a Threadline server with the "${capability.chatArchive}" capability; this server does not list it (the published photon.imessage.v1 protocol has no archive call)`,
      { context: { capability: capability.chatArchive } },
    );
  }
}
