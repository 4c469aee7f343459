import { createHash } from "node:crypto";
import type { Metadata } from "@grpc/grpc-js";
import { type GrpcMethodDefinition, metadataKeys } from "@threadline/protocol";
import { invalidArgument } from "../errors/common-errors.js";
import { ServerError } from "../errors/server-error.js";
import type { IdempotencyClaim, WriteContext } from "../storage/write-context.js";
import { methodByPath } from "./method-by-path.js";

/** How long a key is remembered at least. Keys are pruned after twice this. */
export const idempotencyKeyRetentionMs = 24 * 60 * 60 * 1000;
const pruneIntervalMs = 60 * 60 * 1000;
const maxKeyLength = 256;
const keyPattern = /^[\x21-\x7e]+$/;

function checkedKey(value: string, field: string): string {
  if (value.length === 0 || value.length > maxKeyLength || !keyPattern.test(value)) {
    throw invalidArgument(
      `${field} must be 1 to ${maxKeyLength} printable ASCII characters without spaces (a UUID is ideal); received ${JSON.stringify(value.slice(0, 64))}`,
      { field },
    );
  }
  return value;
}

/**
 * The idempotency key of a mutating call: `client_message_id` when the request has
 * one, else the `x-idempotency-key` metadata header, else none. Both share one
 * namespace per account. Throws INVALID_ARGUMENT for a malformed key.
 */
export function idempotencyKeyOf(
  clientMessageId: string | null | undefined,
  metadata: Metadata,
): string | undefined {
  if (clientMessageId !== undefined && clientMessageId !== null) {
    return checkedKey(clientMessageId, "client_message_id");
  }
  const header = metadata.get(metadataKeys.idempotencyKey)[0];
  if (header === undefined) return undefined;
  return checkedKey(
    typeof header === "string" ? header : header.toString("utf8"),
    metadataKeys.idempotencyKey,
  );
}

/** One keyed write: who, which key, and how to recognise the same request again. */
export interface IdempotentCall<
  RequestDecoded,
  RequestProperties,
  ResponseDecoded,
  ResponseProperties,
> {
  readonly method: GrpcMethodDefinition<
    RequestDecoded,
    RequestProperties,
    ResponseDecoded,
    ResponseProperties
  >;
  readonly request: RequestProperties;
  readonly accountId: number;
  readonly key: string | undefined;
}

// The key itself is not part of "the same request": a first attempt keyed by header and
// a retry keyed by client_message_id (or the other way round) are one logical write.
function withoutClientMessageId<Request>(request: Request): Request {
  if (typeof request !== "object" || request === null || !("clientMessageId" in request))
    return request;
  return { ...request, clientMessageId: null };
}

/** What {@link idempotencyClaim} needs: the method, the request, who calls and the key. */
export interface ClaimedCall<Request> {
  readonly method: { readonly path: string; requestSerialize(value: Request): Buffer };
  readonly request: Request;
  readonly accountId: number;
  readonly key: string | undefined;
}

/**
 * The {@link IdempotencyClaim} of a keyed call for `runWrite`, or undefined without a
 * key (then the write simply runs). Computed on the calling thread: the fingerprint
 * covers the method and every field of the request except the key itself.
 */
export function idempotencyClaim<Request>(
  call: ClaimedCall<Request>,
): IdempotencyClaim | undefined {
  if (call.key === undefined) return undefined;
  const fingerprint = createHash("sha256")
    .update(call.method.path)
    .update("\n")
    .update(call.method.requestSerialize(withoutClientMessageId(call.request)))
    .digest("base64");
  return { accountId: call.accountId, key: call.key, fingerprint, methodPath: call.method.path };
}

/** When this thread last pruned old keys (each writer thread or process prunes on its own). */
let lastPruneAt = 0;

/**
 * Runs `body` at most once per claimed key, inside the caller's write: a retry with the
 * same request gets the stored first response (decoded), without running `body`; the
 * same key with a different request is IDEMPOTENCY_KEY_REUSED. A failed `body` stores
 * nothing, so a retry runs it again.
 */
export async function runIdempotently(
  context: WriteContext,
  claim: IdempotencyClaim,
  body: () => Promise<unknown>,
): Promise<unknown> {
  const method = methodByPath(claim.methodPath);
  if (method === undefined) {
    throw new TypeError(`idempotency claim names no known gRPC method: ${claim.methodPath}`);
  }
  const keys = context.repositories.idempotency;
  const now = context.now.getTime();
  if (now - lastPruneAt >= pruneIntervalMs) {
    lastPruneAt = now;
    await keys.pruneBefore(now - 2 * idempotencyKeyRetentionMs);
  }
  const stored = await keys.find(claim.accountId, claim.key);
  if (stored !== undefined) {
    if (stored.fingerprint !== claim.fingerprint) {
      throw new ServerError(
        "IDEMPOTENCY_KEY_REUSED",
        `idempotency key ${JSON.stringify(claim.key)} was already used for a different request; use a new key for each logical write and the same key only to retry it unchanged`,
        { trailers: { field: "client_message_id" } },
      );
    }
    return method.responseDeserialize(Buffer.from(stored.response));
  }
  const response = await body();
  await keys.insert(
    claim.accountId,
    claim.key,
    { fingerprint: claim.fingerprint, response: method.responseSerialize(response) },
    now,
  );
  return response;
}
