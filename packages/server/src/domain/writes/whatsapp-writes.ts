import { photon } from "@threadline/protocol";
import { ServerError } from "../../errors/server-error.js";
import type {
  WhatsAppLogRecord,
  WhatsAppLogRowToStore,
} from "../../storage/repositories/whatsapp-repository.js";
import type { WebhookEvent } from "../../whatsapp/webhook-payload.js";
import { encodeWhatsAppCursor } from "../../whatsapp/whatsapp-cursor.js";
import { writeOperation } from "../write-operation.js";

/** A validated registration, the verify token already hashed. */
export interface NumberToRegister {
  readonly phoneNumberId: string;
  readonly accessToken: string;
  readonly appSecret: string;
  readonly verifyTokenHash: Uint8Array;
}

/** One number's events of a webhook. */
export interface NumberEvents {
  readonly numberId: number;
  readonly events: readonly WebhookEvent[];
}

/** What one webhook appended: each number's new rows, and the redeliveries skipped. */
export interface AppendedWebhookEvents {
  readonly numbers: readonly { readonly numberId: number; readonly rows: WhatsAppLogRecord[] }[];
  readonly duplicates: number;
}

/**
 * The named writes of this area, keyed "<area>.<operation>"; `write-operations.ts`
 * merges every area's map into the one registry.
 */
export const whatsAppWrites = {
  /** Registers a business number; ALREADY_EXISTS when it is registered already. */
  "whatsapp.registerNumber": writeOperation(
    async (
      context,
      number: NumberToRegister,
    ): Promise<{ phoneNumberId: string; createdAt: number }> => {
      const whatsapp = context.repositories.whatsapp;
      if ((await whatsapp.findNumber(number.phoneNumberId)) !== undefined) {
        throw new ServerError(
          "ALREADY_EXISTS",
          `phone number id ${number.phoneNumberId} is already registered; remove it first to change its credentials`,
        );
      }
      const createdAt = context.now.getTime();
      await whatsapp.insertNumber({
        phoneNumberId: number.phoneNumberId,
        accessToken: number.accessToken,
        appSecret: number.appSecret,
        verifyTokenHash: number.verifyTokenHash,
        createdAt,
      });
      return { phoneNumberId: number.phoneNumberId, createdAt };
    },
  ),

  /**
   * Stores nothing itself: run with an idempotency claim, it records `response` (an
   * outside effect's answer, such as a Graph API send) as the key's first response, or
   * answers with the one stored already.
   */
  "whatsapp.recordResponse": writeOperation(
    async (_context, { response }: { response: unknown }): Promise<unknown> => response,
  ),

  /** Removes a number with its log and head; `removed` is false when it was not registered. */
  "whatsapp.removeNumber": writeOperation(
    async (
      context,
      { phoneNumberId }: { phoneNumberId: string },
    ): Promise<{ removed: boolean }> => ({
      removed: await context.repositories.whatsapp.deleteNumber(phoneNumberId),
    }),
  ),

  /**
   * Appends the events of one webhook to their numbers' logs, skipping redeliveries (a
   * dedupe key the log holds, or one seen earlier in the same webhook), numbering them
   * after each number's locked head. Each stored payload is the event with its cursor.
   * NOT_FOUND, storing nothing, when a number was removed after the caller looked it up.
   * Publishing the new rows to live streams is the caller's, after the commit.
   */
  "whatsapp.appendWebhookEvents": writeOperation(
    async (
      context,
      { numbers }: { numbers: readonly NumberEvents[] },
    ): Promise<AppendedWebhookEvents> => {
      const whatsapp = context.repositories.whatsapp;
      const recordedAt = context.now.getTime();
      const appended: { numberId: number; rows: WhatsAppLogRecord[] }[] = [];
      let duplicates = 0;
      for (const { numberId, events } of numbers) {
        let head = await whatsapp.lockHead(numberId);
        // The caller looked the number up before this write; a removal may have committed
        // since (on PostgreSQL, removal takes the head lock too, so it is either done now
        // or waits for this write). Nothing is appended for a number that is gone.
        const phoneNumberId = events[0]?.phoneNumberId;
        if (
          phoneNumberId !== undefined &&
          (await whatsapp.findNumber(phoneNumberId))?.id !== numberId
        ) {
          throw new ServerError(
            "NOT_FOUND",
            `phone_number_id ${phoneNumberId} was removed from this server while its webhook was being stored; nothing of the webhook was stored`,
          );
        }
        const seen = new Set(
          await whatsapp.findDedupeKeys(
            numberId,
            events.map((event) => event.dedupeKey),
          ),
        );
        const rows: WhatsAppLogRowToStore[] = [];
        for (const input of events) {
          if (seen.has(input.dedupeKey)) {
            duplicates += 1;
            continue;
          }
          seen.add(input.dedupeKey);
          const sequence = head + 1;
          const payload = photon.whatsapp.v1.Event.encode({
            ...input.event,
            cursor: { value: encodeWhatsAppCursor(numberId, sequence) },
          }).finish();
          rows.push({
            sequence,
            kind: input.kind,
            dedupeKey: input.dedupeKey,
            recordedAt,
            payload,
          });
          head = sequence;
        }
        await whatsapp.appendRows(numberId, rows);
        appended.push({
          numberId,
          rows: rows.map((row) => ({ sequence: row.sequence, payload: row.payload })),
        });
      }
      return { numbers: appended, duplicates };
    },
  ),
} as const;
