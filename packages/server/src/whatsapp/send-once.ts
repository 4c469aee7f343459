import type { Metadata } from "@grpc/grpc-js";
import { type IdempotentCall, idempotencyClaim, idempotencyKeyOf } from "../domain/idempotency.js";
import { runWrite } from "../domain/write-operations.js";
import { ServerError } from "../errors/server-error.js";
import type { Store } from "../storage/write-context.js";

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

function keyReused(key: string): ServerError {
  return new ServerError(
    "IDEMPOTENCY_KEY_REUSED",
    `idempotency key ${JSON.stringify(key)} was already used for a different request; use a new key for each logical write and the same key only to retry it unchanged`,
    { trailers: { field: "client_message_id" } },
  );
}

/**
 * Runs an outside effect (a Graph API call) at most once per idempotency key, on top of
 * the server's idempotency keys (`idempotencyClaim`): a retry with the same key and the
 * same request gets the first answer without calling again; the same key with another
 * request is IDEMPOTENCY_KEY_REUSED. Concurrent retries in this process wait for the
 * call in flight. A failed effect stores nothing, so a retry calls again.
 */
export function createSendOnce(store: Pick<Store, "run" | "repositories">) {
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
    const claim = idempotencyClaim(call);
    if (claim === undefined) return effect();
    const slot = `${call.accountId}\n${call.key}`;
    const running = inFlight.get(slot);
    if (running !== undefined) await running.catch(() => undefined);

    const attempt = (async (): Promise<ResponseProperties | ResponseDecoded> => {
      const stored = await store.repositories.idempotency.find(claim.accountId, claim.key);
      if (stored !== undefined) {
        if (stored.fingerprint !== claim.fingerprint) throw keyReused(claim.key);
        return call.method.responseDeserialize(Buffer.from(stored.response));
      }
      const response = await effect();
      // Should another process have stored the key meanwhile, the claim answers with its
      // first response instead.
      const recorded: unknown = await runWrite(
        store,
        "whatsapp.recordResponse",
        { response },
        claim,
      );
      return recorded as ResponseProperties | ResponseDecoded;
    })();
    inFlight.set(slot, attempt);
    try {
      return await attempt;
    } finally {
      if (inFlight.get(slot) === attempt) inFlight.delete(slot);
    }
  };
}
