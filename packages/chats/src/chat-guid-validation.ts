import { parseChatGuid } from "@threadline/core";

/**
 * Checks a chat GUID argument with core's `parseChatGuid` (the one chat-GUID rule of
 * the SDK) and returns it in the server's form: the address of a direct GUID is
 * normalised (`any;-;Alice@Example.com` becomes `any;-;alice@example.com`), because
 * the server names direct chats by the normalised address.
 *
 * @throws ValidationError naming `field` when the value is not a string in one of the
 * two shapes `any;-;<address>` and `any;+;<group id>`.
 * @internal not covered by semver
 */
export function checkChatGuid(field: string, value: unknown): string {
  return parseChatGuid(value, field).guid;
}
