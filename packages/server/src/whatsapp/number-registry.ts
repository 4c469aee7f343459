import type { Metadata } from "@grpc/grpc-js";
import { invalidArgument } from "../errors/common-errors.js";
import { ServerError } from "../errors/server-error.js";
import {
  deleteWhatsAppNumber,
  findWhatsAppNumber,
  insertWhatsAppNumber,
  listWhatsAppAppSecrets,
  listWhatsAppNumbers,
  type WhatsAppNumberRow,
} from "../storage/whatsapp-store.js";
import type { Store } from "../storage/write-context.js";
import { hashSecret, secretMatchesHash, secretsEqual } from "./secret-equality.js";

/** A registered business number as the server works with it (secrets included). */
export type WhatsAppNumber = WhatsAppNumberRow;

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
  store: Store,
  registration: WhatsAppNumberRegistration,
): Promise<WhatsAppNumberSummary> {
  const phoneNumberId = checkPhoneNumberId(registration.phoneNumberId);
  const accessToken = checkSecret("access_token", registration.accessToken, 4096);
  const appSecret = checkSecret("app_secret", registration.appSecret, 256);
  const verifyToken = checkSecret("verify_token", registration.verifyToken, 256);
  return store.write((context) => {
    if (findWhatsAppNumber(context.db, phoneNumberId) !== undefined) {
      throw new ServerError(
        "ALREADY_EXISTS",
        `phone number id ${phoneNumberId} is already registered; remove it first to change its credentials`,
      );
    }
    insertWhatsAppNumber(context.db, {
      phoneNumberId,
      accessToken,
      appSecret,
      verifyTokenHash: hashSecret(verifyToken),
      createdAt: context.now.getTime(),
    });
    return { phoneNumberId, createdAt: context.now };
  });
}

/** Every registered number, without secrets. */
export function listRegisteredNumbers(store: Store): WhatsAppNumberSummary[] {
  return store.read((db) =>
    listWhatsAppNumbers(db).map((row) => ({
      phoneNumberId: row.phoneNumberId,
      createdAt: new Date(row.createdAt),
    })),
  );
}

/**
 * Removes a number, its event log and its head. Throws NOT_FOUND when it is not
 * registered.
 */
export async function removeWhatsAppNumber(store: Store, phoneNumberId: string): Promise<void> {
  checkPhoneNumberId(phoneNumberId);
  const removed = await store.write((context) => deleteWhatsAppNumber(context.db, phoneNumberId));
  if (!removed) {
    throw new ServerError(
      "NOT_FOUND",
      `phone number id ${phoneNumberId} is not registered; \`threadline-server whatsapp list\` shows the registered ones`,
    );
  }
}

/** The registered number of a webhook's `phone_number_id`, or undefined. */
export function findRegisteredNumber(
  store: Store,
  phoneNumberId: string,
): WhatsAppNumber | undefined {
  return store.read((db) => findWhatsAppNumber(db, phoneNumberId));
}

/** The distinct app secrets of the registered numbers (webhook signatures are checked against each). */
export function registeredAppSecrets(store: Store): Set<string> {
  return new Set(store.read((db) => listWhatsAppAppSecrets(db)));
}

/** True when `verifyToken` is the verify token of some registered number (constant-time compares). */
export function isRegisteredVerifyToken(store: Store, verifyToken: string): boolean {
  let matched = false;
  for (const row of store.read((db) => listWhatsAppNumbers(db))) {
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
export function authenticateWhatsAppNumber(metadata: Metadata, store: Store): WhatsAppNumber {
  const phoneNumberId = singleValue(metadata, whatsappMetadataKeys.phoneNumberId);
  const accessToken = singleValue(metadata, whatsappMetadataKeys.accessToken);
  const appSecret = singleValue(metadata, whatsappMetadataKeys.appSecret);
  const row = phoneNumberIdPattern.test(phoneNumberId)
    ? store.read((db) => findWhatsAppNumber(db, phoneNumberId))
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
