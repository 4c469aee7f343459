import type { Metadata } from "@grpc/grpc-js";
import { type IdempotentCall, idempotencyKeyOf, idempotentWrite } from "../domain/idempotency.js";
import type { Store } from "../storage/write-context.js";

/** Thrown inside a lookup-only idempotent write so that it stores nothing. */
class NotSentYet extends Error {}

/**
 * Keys of a number live in the shared idempotency table under the negated number id,
 * a namespace no account (ids from 1) can reach.
 */
export function idempotencyOwnerOf(numberId: number): number {
  return -numberId;
}

/** The `x-idempotency-key` of a WhatsApp call, if any (INVALID_ARGUMENT when malformed). */
export function whatsappIdempotencyKey(metadata: Metadata): string | undefined {
  return idempotencyKeyOf(undefined, metadata);
}

/**
 * Runs an outside effect (a Graph API call) at most once per idempotency key, on top of
 * the server's idempotency table (`idempotentWrite`): a retry with the same key and the
 * same request gets the first answer without calling again; the same key with another
 * request is IDEMPOTENCY_KEY_REUSED. Concurrent retries in this process wait for the
 * call in flight. A failed effect stores nothing, so a retry calls again.
 */
export function createSendOnce(store: Store) {
  const inFlight = new Map<string, Promise<unknown>>();

  return async function sendOnce<
    RequestDecoded,
    RequestProperties,
    ResponseDecoded,
    ResponseProperties,
  >(
    call: IdempotentCall<RequestDecoded, RequestProperties, ResponseDecoded, ResponseProperties>,
    effect: () => Promise<ResponseProperties>,
  ): Promise<ResponseProperties | ResponseDecoded> {
    if (call.key === undefined) return effect();
    const slot = `${call.accountId}\n${call.key}`;
    const running = inFlight.get(slot);
    if (running !== undefined) await running.catch(() => undefined);

    const attempt = (async () => {
      try {
        return await idempotentWrite(store, call, () => {
          throw new NotSentYet();
        });
      } catch (error) {
        if (!(error instanceof NotSentYet)) throw error;
      }
      const response = await effect();
      return idempotentWrite(store, call, () => response);
    })();
    inFlight.set(slot, attempt);
    try {
      return await attempt;
    } finally {
      if (inFlight.get(slot) === attempt) inFlight.delete(slot);
    }
  };
}
