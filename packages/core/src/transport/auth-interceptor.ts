import { metadataKeys } from "@threadline/protocol";
import { bearerToken, type TokenSource } from "./auth-metadata.js";
import type { UnaryInterceptor } from "./unary-interceptor.js";

/**
 * Adds `authorization: Bearer <token>` to every attempt. A token function is called per
 * attempt, so a retry after a token refresh carries the new token; one that throws or
 * returns an empty value fails the attempt with an AuthenticationError (not retried)
 * before anything is sent.
 *
 * @internal not covered by semver
 */
export function authInterceptor(token: TokenSource): UnaryInterceptor {
  return (next) => async (request) => {
    const value = await bearerToken(token);
    return next({
      ...request,
      headers: { ...request.headers, [metadataKeys.authorization]: `Bearer ${value}` },
    });
  };
}
