import type { Metadata } from "@grpc/grpc-js";
import { runWrite } from "../domain/write-operations.js";
import { invalidArgument } from "../errors/common-errors.js";
import { ServerError } from "../errors/server-error.js";
import type { WhatsAppNumberRecord } from "../storage/repositories/whatsapp-repository.js";
import type { Repositories } from "../storage/repositories.js";
import type { Store } from "../storage/write-context.js";
import { hashSecret, secretMatchesHash, secretsEqual } from "./secret-equality.js";

/** A registered business number as the server works with it (secrets included). */
export type WhatsAppNumber = WhatsAppNumberRecord;

/** What `whatsapp list` shows: never a secret. */
export interface WhatsAppNumberSummary {
  readonly phoneNumberId: string;
  readonly createdAt: Date;
}

/** The credentials of `whatsapp add`. */
export interface WhatsAppNumberRegistration {
  readonly phoneNumberId: string;
  readonly accessToken: string;
  readonly appSecret: string;
  readonly verifyToken: string;
}

/** Metadata keys the photon.whatsapp.v1 client sends on every call. */
export const whatsappMetadataKeys = {
  accessToken: "access_token",
  phoneNumberId: "phone_number_id",
  appSecret: "app_secret",
} as const;

const phoneNumberIdPattern = /^[0-9]{1,32}$/;
const secretPattern = /^[\x21-\x7e]+$/;

/** Throws INVALID_ARGUMENT unless `value` is a Graph API phone number id (1 to 32 digits). */
export function checkPhoneNumberId(value: string): string {
  if (!phoneNumberIdPattern.test(value)) {
    throw invalidArgument(
      `phone_number_id must be Meta's numeric phone number id (1 to 32 digits); received ${JSON.stringify(value.slice(0, 40))}`,
      { field: "phone_number_id" },
    );
  }
  return value;
}

function checkSecret(name: string, value: string, maxLength: number): string {
  // The value itself never appears in the message: it is a secret.
  if (value.length === 0 || value.length > maxLength || !secretPattern.test(value)) {
    throw invalidArgument(
      `${name} must be 1 to ${maxLength} printable ASCII characters without spaces; received ${value.length} characters`,
      { field: name },
    );
  }
  return value;
}

/**
 * Registers a business number. The access token and app secret are stored as given
 * (the Graph API and webhook signatures need them); the verify token only as a SHA-256
 * digest. Throws INVALID_ARGUMENT for a malformed value and ALREADY_EXISTS when the
 * number is registered already.
 */
export async function registerWhatsAppNumber(
  store: Pick<Store, "run">,
  registration: WhatsAppNumberRegistration,
): Promise<WhatsAppNumberSummary> {
  const phoneNumberId = checkPhoneNumberId(registration.phoneNumberId);
  const accessToken = checkSecret("access_token", registration.accessToken, 4096);
  const appSecret = checkSecret("app_secret", registration.appSecret, 256);
  const verifyToken = checkSecret("verify_token", registration.verifyToken, 256);
  const registered = await runWrite(store, "whatsapp.registerNumber", {
    phoneNumberId,
    accessToken,
    appSecret,
    verifyTokenHash: hashSecret(verifyToken),
  });
  return { phoneNumberId: registered.phoneNumberId, createdAt: new Date(registered.createdAt) };
}

/** Every registered number, without secrets. */
export async function listRegisteredNumbers(
  repositories: Repositories,
): Promise<WhatsAppNumberSummary[]> {
  return (await repositories.whatsapp.listNumbers()).map((row) => ({
    phoneNumberId: row.phoneNumberId,
    createdAt: new Date(row.createdAt),
  }));
}

/**
 * Removes a number, its event log and its head. Throws NOT_FOUND when it is not
 * registered.
 */
export async function removeWhatsAppNumber(
  store: Pick<Store, "run">,
  phoneNumberId: string,
): Promise<void> {
  checkPhoneNumberId(phoneNumberId);
  const { removed } = await runWrite(store, "whatsapp.removeNumber", { phoneNumberId });
  if (!removed) {
    throw new ServerError(
      "NOT_FOUND",
      `phone number id ${phoneNumberId} is not registered; \`threadline-server whatsapp list\` shows the registered ones`,
    );
  }
}

/** The registered number of a webhook's `phone_number_id`, or undefined. */
export function findRegisteredNumber(
  repositories: Repositories,
  phoneNumberId: string,
): Promise<WhatsAppNumber | undefined> {
  return repositories.whatsapp.findNumber(phoneNumberId);
}

/** The distinct app secrets of the registered numbers (webhook signatures are checked against each). */
export async function registeredAppSecrets(repositories: Repositories): Promise<Set<string>> {
  return new Set(await repositories.whatsapp.listAppSecrets());
}

/** True when `verifyToken` is the verify token of some registered number (constant-time compares). */
export async function isRegisteredVerifyToken(
  repositories: Repositories,
  verifyToken: string,
): Promise<boolean> {
  let matched = false;
  for (const row of await repositories.whatsapp.listNumbers()) {
    // No early exit: every number is compared, so timing says nothing about which.
    if (secretMatchesHash(verifyToken, row.verifyTokenHash)) matched = true;
  }
  return matched;
}

function unauthenticated(message: string): ServerError {
  return new ServerError("UNAUTHENTICATED", message);
}

function singleValue(metadata: Metadata, key: string): string {
  const values = metadata.get(key);
  const value = values[0];
  if (values.length === 0 || value === undefined) {
    throw unauthenticated(
      `missing ${key} metadata; every call carries phone_number_id, access_token and app_secret`,
    );
  }
  if (values.length > 1 || typeof value !== "string") {
    throw unauthenticated(`${key} metadata must be sent once, as text`);
  }
  return value;
}

// Compared against when the number is unknown, so an unknown id costs the same time.
const absentSecret = "\u0000threadline-no-such-number";

/**
 * Resolves the calling business number from `phone_number_id`, `access_token` and
 * `app_secret` metadata; both secrets are compared in constant time. Throws
 * UNAUTHENTICATED (not retryable) when one is missing or any does not match.
 */
export async function authenticateWhatsAppNumber(
  metadata: Metadata,
  store: Pick<Store, "repositories">,
): Promise<WhatsAppNumber> {
  const phoneNumberId = singleValue(metadata, whatsappMetadataKeys.phoneNumberId);
  const accessToken = singleValue(metadata, whatsappMetadataKeys.accessToken);
  const appSecret = singleValue(metadata, whatsappMetadataKeys.appSecret);
  const row = phoneNumberIdPattern.test(phoneNumberId)
    ? await store.repositories.whatsapp.findNumber(phoneNumberId)
    : undefined;
  const tokenMatches = secretsEqual(accessToken, row?.accessToken ?? absentSecret);
  const secretMatches = secretsEqual(appSecret, row?.appSecret ?? absentSecret);
  if (row === undefined || !tokenMatches || !secretMatches) {
    throw unauthenticated(
      "phone_number_id, access_token and app_secret do not match a business number registered on this server",
    );
  }
  return row;
}
