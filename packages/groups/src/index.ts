/**
 * @threadline/groups: rename groups, change their members and icons as `im.groups`.
 *
 * ```ts
 * import { createClient } from "@threadline/core";
 * import { groups } from "@threadline/groups";
 *
 * const im = createClient({ address, token, resources: { groups } });
 * const chat = await im.groups.setDisplayName("any;+;1f6c…", "Climbing");
 * ```
 */

/** A chat as `setDisplayName` / `addParticipants` / `removeParticipants` return it. */
export type { Chat, GroupChange, GroupEvent, UnknownEvent } from "@threadline/core";
export { maxDisplayNameLength } from "./display-name.js";
export type {
  GroupCallOptions,
  GroupEventFilter,
  GroupIcon,
  GroupWriteOptions,
} from "./group-types.js";
export { type GroupsResource, groups } from "./groups-resource.js";
export { maxIconBytes } from "./icon-image.js";
export { maxParticipantsPerCall } from "./participant-addresses.js";
