import { randomUUID } from "node:crypto";
import { metadataKeys } from "@threadline/protocol";
import { invalidArgument } from "../errors/invalid-argument.js";
import type { UnaryInterceptor } from "./unary-interceptor.js";

/**
 * Checks an idempotency key given with a call: absent, or a non-empty string.
 *
 * @internal not covered by semver
 */
export function checkIdempotencyKey(key: unknown): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== "string" || key === "") {
    throw invalidArgument("idempotencyKey", "a non-empty string", key);
  }
  return key;
}

/**
 * Gives a mutating call its `x-idempotency-key`: the caller's key, or a fresh UUID. It
 * sits outside the retries, so every attempt of the one logical call carries the same
 * key and the server applies the write at most once. Calls that change nothing pass
 * through unchanged.
 *
 * @internal not covered by semver
 */
export const idempotencyInterceptor: UnaryInterceptor = (next) => (request) => {
  if (!request.mutating) return next(request);
  return next({
    ...request,
    headers: {
      ...request.headers,
      [metadataKeys.idempotencyKey]: request.idempotencyKey ?? randomUUID(),
    },
  });
};
