import { invalidArgument, parseChatGuid } from "@threadline/core";

const allowedGroups =
  'a group chat GUID "any;+;<group id>" (names, members and icons exist only for groups); pass chat.guid of a group from chats.create(), chats.get() or an event';

/**
 * Checks that `value` is a well-formed group chat GUID (core's chat GUID rules) and
 * returns it. A direct chat GUID is refused here: the server would only answer that
 * groups alone have names, members and icons.
 *
 * @throws ValidationError naming `field`.
 * @internal not covered by semver
 */
export function checkGroupChatGuid(field: string, value: unknown): string {
  const parsed = parseChatGuid(value, field);
  if (parsed.kind !== "group") {
    throw invalidArgument(field, allowedGroups, value, "is a direct chat GUID");
  }
  return parsed.guid;
}
