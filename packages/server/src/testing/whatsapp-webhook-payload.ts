/**
 * A webhook payload for one business number in the shape Meta documents for the WhatsApp
 * Cloud API: `object`, one `entry` with one `messages` change whose `value` carries
 * `messaging_product`, `metadata` (the number's id) and whatever `value` adds (`contacts`,
 * `messages`, `statuses`). The entry id and display number are made up. Sign the
 * serialised bytes with `signWebhookBody` from `@threadline/server`.
 */
export function whatsappWebhookPayload(
  phoneNumberId: string,
  value: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "318273645501928",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550100200", phone_number_id: phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}
