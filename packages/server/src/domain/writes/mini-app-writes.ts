import type { photon } from "@threadline/protocol";
import type { Account } from "../../auth/account.js";
import type { MiniAppCardFields } from "../mini-app-card-records.js";
import { sendMiniAppCard, updateMiniAppCard } from "../mini-app-operations.js";
import { writeOperation } from "../write-operation.js";

/**
 * The named writes of this area, keyed "<area>.<operation>"; `write-operations.ts`
 * merges every area's map into the one registry.
 */
export const miniAppWrites = {
  "miniApps.send": writeOperation(
    async (
      context,
      { account, chatGuid, card }: { account: Account; chatGuid: string; card: MiniAppCardFields },
    ) => sendMiniAppCard(context, account, chatGuid, card),
  ),
  "miniApps.update": writeOperation(
    async (
      context,
      {
        account,
        session,
        card,
      }: {
        account: Account;
        session: photon.imessage.v1.MiniAppCardSession.$Properties | null;
        card: MiniAppCardFields;
      },
    ) => updateMiniAppCard(context, account, session, card),
  ),
} as const;
