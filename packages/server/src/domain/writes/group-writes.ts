import type { Account } from "../../auth/account.js";
import {
  addParticipants,
  leaveGroup,
  removeIcon,
  removeParticipants,
  setDisplayName,
  setIcon,
} from "../group-operations.js";
import type { ImageType } from "../image-type.js";
import { writeOperation } from "../write-operation.js";

/** A write on one group the caller names by its GUID. */
export interface GroupInput {
  readonly account: Account;
  readonly chatGuid: string;
}

/** A write with a validated, normalised address list. */
export type ParticipantsInput = GroupInput & { readonly addresses: readonly string[] };

/**
 * The named writes of this area, keyed "<area>.<operation>"; `write-operations.ts`
 * merges every area's map into the one registry.
 */
export const groupWrites = {
  "groups.setDisplayName": writeOperation(
    async (context, { account, chatGuid, displayName }: GroupInput & { displayName: string }) => ({
      chat: await setDisplayName(context, account, chatGuid, displayName),
    }),
  ),
  "groups.addParticipants": writeOperation(
    async (context, { account, chatGuid, addresses }: ParticipantsInput) => ({
      chat: await addParticipants(context, account, chatGuid, addresses),
    }),
  ),
  "groups.removeParticipants": writeOperation(
    async (context, { account, chatGuid, addresses }: ParticipantsInput) => ({
      chat: await removeParticipants(context, account, chatGuid, addresses),
    }),
  ),
  "groups.leave": writeOperation(async (context, { account, chatGuid }: GroupInput) => {
    await leaveGroup(context, account, chatGuid);
    return {};
  }),
  "groups.setIcon": writeOperation(
    async (
      context,
      {
        account,
        chatGuid,
        image,
      }: GroupInput & { image: { readonly bytes: Uint8Array; readonly type: ImageType } },
    ) => {
      await setIcon(context, account, chatGuid, image);
      return {};
    },
  ),
  "groups.removeIcon": writeOperation(async (context, { account, chatGuid }: GroupInput) => {
    await removeIcon(context, account, chatGuid);
    return {};
  }),
} as const;
