import { Metadata } from "@grpc/grpc-js";
import { metadataKeys } from "@threadline/protocol";
import { AuthenticationError } from "../errors/error-classes.js";
import { invalidArgument } from "../errors/invalid-argument.js";

/** A bearer token, or an async function that returns one (called before every call). */
export type TokenSource = string | (() => string | Promise<string>);

/** @internal not covered by semver */
export function checkTokenSource(token: unknown): TokenSource {
  if (typeof token === "function") return token as () => string | Promise<string>;
  if (typeof token === "string" && token.trim() !== "") return token;
  throw invalidArgument("token", "a non-empty string or a function returning one", token);
}

/**
 * Resolves the token for one call: the string itself, or what the token function
 * returns. A token function that throws or returns an empty value fails the call with
 * an AuthenticationError before anything is sent.
 *
 * @internal not covered by semver
 */
export async function bearerToken(token: TokenSource): Promise<string> {
  let value: string;
  try {
    value = typeof token === "string" ? token : await token();
  } catch (error) {
    throw new AuthenticationError("the token function threw; no call was made", {
      code: "TOKEN_UNAVAILABLE",
      cause: error,
    });
  }
  if (typeof value !== "string" || value.trim() === "") {
    throw new AuthenticationError(
      "the token function must return a non-empty string; no call was made",
      { code: "TOKEN_UNAVAILABLE" },
    );
  }
  return value;
}

/**
 * The gRPC metadata carrying `headers`.
 *
 * @internal not covered by semver
 */
export function metadataFrom(headers: Readonly<Record<string, string>>): Metadata {
  const metadata = new Metadata();
  for (const [key, header] of Object.entries(headers)) metadata.set(key, header);
  return metadata;
}

/**
 * Builds the metadata of one call: `authorization: Bearer <token>` plus extra headers.
 * Throws like {@link bearerToken}.
 *
 * @internal not covered by semver
 */
export async function callMetadata(
  token: TokenSource,
  headers: Readonly<Record<string, string>> = {},
): Promise<Metadata> {
  const value = await bearerToken(token);
  return metadataFrom({ ...headers, [metadataKeys.authorization]: `Bearer ${value}` });
}
