import {
  type Chat,
  type ClientContext,
  chatFromWire,
  type GroupEvent,
  invalidArgument,
  type LiveEventStream,
  ProtocolError,
  type ResourceFactory,
  resourceCallSettings,
  resourceWriteSettings,
  type UnknownEvent,
} from "@threadline/core";
import { GroupServiceDefinition } from "@threadline/protocol";
import { checkDisplayName } from "./display-name.js";
import { checkGroupChatGuid } from "./group-chat-guid.js";
import type {
  GroupCallOptions,
  GroupEventFilter,
  GroupIcon,
  GroupWriteOptions,
} from "./group-types.js";
import { checkIconBytes } from "./icon-image.js";
import { checkParticipantAddresses } from "./participant-addresses.js";

/**
 * `im.groups`: rename a group, change its members, leave it, set its icon, and watch
 * its changes.
 *
 * Every method checks its arguments before any network call and throws ValidationError
 * saying what is allowed; the server checks them again. Writes carry an idempotency key
 * (your `clientMessageId`, or one the SDK makes per call) that the SDK's own retries
 * reuse, so a retried write is applied once.
 */
export interface GroupsResource {
  /**
   * Renames the group; `""` clears the name. Surrounding whitespace is trimmed. The
   * same name again changes nothing and emits no event.
   *
   * @returns the group as the caller now sees it.
   * @throws ValidationError for a non-group GUID or a name over 256 characters;
   * NotFoundError when the caller is not in the group.
   */
  setDisplayName(chat: string, displayName: string, options?: GroupWriteOptions): Promise<Chat>;
  /**
   * Adds members (emails lower-cased, phones normalised to E.164). Each new member
   * starts with the earlier messages read.
   *
   * @throws ValidationError for an invalid or repeated address, more than 100 at once,
   * or (from the server) an address that is already a member.
   */
  addParticipants(
    chat: string,
    addresses: readonly string[],
    options?: GroupWriteOptions,
  ): Promise<Chat>;
  /**
   * Removes members.
   *
   * @throws ValidationError for an invalid or repeated address or (from the server) one
   * that is not a member or is your own (use {@link GroupsResource.leave}).
   */
  removeParticipants(
    chat: string,
    addresses: readonly string[],
    options?: GroupWriteOptions,
  ): Promise<Chat>;
  /** Leaves the group; afterwards it is a NotFoundError for this account. */
  leave(chat: string, options?: GroupWriteOptions): Promise<void>;
  /**
   * Sets the group photo from raw JPEG, PNG, HEIC or HEIF bytes (at most 10 MiB).
   *
   * @throws ValidationError for empty, oversized or non-image bytes.
   */
  setIcon(chat: string, data: Uint8Array, options?: GroupWriteOptions): Promise<void>;
  /**
   * The group photo's bytes and MIME type.
   *
   * @throws NotFoundError when the group has no icon.
   */
  getIcon(chat: string, options?: GroupCallOptions): Promise<GroupIcon>;
  /** Removes the group photo. Safe to repeat (only a real removal emits an event). */
  removeIcon(chat: string, options?: GroupWriteOptions): Promise<void>;
  /**
   * Live `group.changed` events for one group or all of them. `ready` resolves once
   * the server has registered the subscription. Missed events are recovered with
   * `im.events`. A change this SDK version does not know arrives as
   * `{ type: "unknown", sequence }` rather than being dropped.
   *
   * @throws ValidationError (synchronously) for a `filter.chat` that is not a group GUID.
   */
  subscribeEvents(filter?: GroupEventFilter): LiveEventStream<GroupEvent | UnknownEvent>;
}

function filterChat(filter: unknown): string | undefined {
  if (filter === undefined) return undefined;
  if (typeof filter !== "object" || filter === null || Array.isArray(filter)) {
    throw invalidArgument(
      "filter",
      'an object like { chat: "any;+;<group id>" } or omitted',
      filter,
    );
  }
  const chat: unknown = Reflect.get(filter, "chat");
  return chat === undefined ? undefined : checkGroupChatGuid("filter.chat", chat);
}

/**
 * Builds `im.groups` on a client's {@link ClientContext}.
 *
 * @internal not covered by semver; use {@link groups}.
 */
export function createGroupsResource(context: ClientContext): GroupsResource {
  return {
    async setDisplayName(chat, displayName, options) {
      const chatGuid = checkGroupChatGuid("chat", chat);
      const name = checkDisplayName("displayName", displayName);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        GroupServiceDefinition.setDisplayName,
        {
          chatGuid,
          displayName: name,
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "groups.setDisplayName()" },
      );
      return chatFromWire(response.chat, "SetDisplayName response");
    },

    async addParticipants(chat, addresses, options) {
      const chatGuid = checkGroupChatGuid("chat", chat);
      const normalised = checkParticipantAddresses("addresses", addresses);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        GroupServiceDefinition.addParticipants,
        {
          chatGuid,
          addresses: normalised,
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "groups.addParticipants()" },
      );
      return chatFromWire(response.chat, "AddParticipants response");
    },

    async removeParticipants(chat, addresses, options) {
      const chatGuid = checkGroupChatGuid("chat", chat);
      const normalised = checkParticipantAddresses("addresses", addresses);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        GroupServiceDefinition.removeParticipants,
        {
          chatGuid,
          addresses: normalised,
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "groups.removeParticipants()" },
      );
      return chatFromWire(response.chat, "RemoveParticipants response");
    },

    async leave(chat, options) {
      const chatGuid = checkGroupChatGuid("chat", chat);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      await context.unary(
        GroupServiceDefinition.leaveGroup,
        { chatGuid, ...(clientMessageId !== undefined ? { clientMessageId } : {}) },
        { ...settings, operation: "groups.leave()" },
      );
    },

    async setIcon(chat, data, options) {
      const chatGuid = checkGroupChatGuid("chat", chat);
      const bytes = checkIconBytes("data", data);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      await context.unary(
        GroupServiceDefinition.setIcon,
        { chatGuid, data: bytes, ...(clientMessageId !== undefined ? { clientMessageId } : {}) },
        { ...settings, operation: "groups.setIcon()" },
      );
    },

    async getIcon(chat, options) {
      const chatGuid = checkGroupChatGuid("chat", chat);
      const response = await context.unary(
        GroupServiceDefinition.getIcon,
        { chatGuid },
        { ...resourceCallSettings("options", options), operation: "groups.getIcon()" },
      );
      if (response.mimeType === "" || response.data.byteLength === 0) {
        throw new ProtocolError(
          "the server's GetIcon response has no image, which a conforming server answers with NOT_FOUND instead",
          { context: { field: response.mimeType === "" ? "mime_type" : "data" } },
        );
      }
      const data = response.data;
      return {
        // A plain Uint8Array view (the decoder hands out Node Buffers), without copying.
        data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        mimeType: response.mimeType,
      };
    },

    async removeIcon(chat, options) {
      const chatGuid = checkGroupChatGuid("chat", chat);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      await context.unary(
        GroupServiceDefinition.removeIcon,
        { chatGuid, ...(clientMessageId !== undefined ? { clientMessageId } : {}) },
        { ...settings, operation: "groups.removeIcon()" },
      );
    },

    subscribeEvents(filter) {
      const chat = filterChat(filter);
      return context.events.live("group", chat === undefined ? {} : { chat });
    },
  };
}

/**
 * The groups resource. Add it when creating a client and use it as `im.groups`:
 *
 * ```ts
 * const im = createClient({ address, token, resources: { groups } });
 * await im.groups.setDisplayName(groupGuid, "Climbing");
 * ```
 */
export const groups: ResourceFactory<GroupsResource> = createGroupsResource;
