import { metadataKeys } from "@threadline/protocol";
import { AuthenticationError } from "../errors/error-classes.js";
import { bearerToken, type TokenSource } from "./auth-metadata.js";
import type { UnaryInterceptor } from "./unary-interceptor.js";

/**
 * The authentication metadata of one call (e.g. `{ access_token, phone_number_id,
 * app_secret }` for a WhatsApp number), or an async function returning it, resolved
 * before every call and every retry attempt.
 */
export type AuthHeadersSource =
  | Readonly<Record<string, string>>
  | (() => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>);

/**
 * Resolves the auth metadata of one call: the bearer token's `authorization` header, or
 * the given headers. A header function that throws fails the call with an
 * AuthenticationError before anything is sent.
 *
 * @internal not covered by semver
 */
export function authHeadersResolver(options: {
  readonly token?: TokenSource;
  readonly authHeaders?: AuthHeadersSource;
}): () => Promise<Readonly<Record<string, string>>> {
  const source = options.authHeaders;
  if (source === undefined) {
    const token = options.token ?? "";
    return async () => ({ [metadataKeys.authorization]: `Bearer ${await bearerToken(token)}` });
  }
  if (typeof source !== "function") return () => Promise.resolve(source);
  return async () => {
    try {
      return await source();
    } catch (error) {
      throw new AuthenticationError("the auth headers function threw; no call was made", {
        code: "TOKEN_UNAVAILABLE",
        cause: error,
      });
    }
  };
}

/**
 * Adds the resolved auth metadata to every attempt of a unary call.
 *
 * @internal not covered by semver
 */
export function authHeadersInterceptor(
  resolve: () => Promise<Readonly<Record<string, string>>>,
): UnaryInterceptor {
  return (next) => async (request) => {
    const headers = await resolve();
    return next({ ...request, headers: { ...request.headers, ...headers } });
  };
}
