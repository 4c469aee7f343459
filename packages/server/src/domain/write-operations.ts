import type { IdempotencyClaim, Store, WriteExecutor } from "../storage/write-context.js";
import { runIdempotently } from "./idempotency.js";
import type { WriteOperation } from "./write-operation.js";
import { accountWrites } from "./writes/account-writes.js";
import { addressWrites } from "./writes/address-writes.js";
import { attachmentWrites } from "./writes/attachment-writes.js";
import { chatWrites } from "./writes/chat-writes.js";
import { groupWrites } from "./writes/group-writes.js";
import { logWrites } from "./writes/log-writes.js";
import { messageWrites } from "./writes/message-writes.js";
import { miniAppWrites } from "./writes/mini-app-writes.js";
import { pollWrites } from "./writes/poll-writes.js";
import { seedWrites } from "./writes/seed-writes.js";
import { stickerWrites } from "./writes/sticker-writes.js";
import { whatsAppWrites } from "./writes/whatsapp-writes.js";

/**
 * Every write the server can make, by name. Handlers run them with {@link runWrite};
 * the engine runs them by name with {@link executeWrite}, on whichever thread owns the
 * write connection.
 */
export const writeOperations = {
  ...accountWrites,
  ...addressWrites,
  ...attachmentWrites,
  ...chatWrites,
  ...groupWrites,
  ...logWrites,
  ...messageWrites,
  ...miniAppWrites,
  ...pollWrites,
  ...seedWrites,
  ...stickerWrites,
  ...whatsAppWrites,
} as const;

type Operations = typeof writeOperations;
/** The name of a registered write. */
export type WriteOperationName = keyof Operations & string;
/** What the write `Name` takes. */
export type WriteInput<Name extends WriteOperationName> = Parameters<Operations[Name]>[1];
/** What the write `Name` resolves with. */
export type WriteResult<Name extends WriteOperationName> = Awaited<ReturnType<Operations[Name]>>;

/**
 * Runs the named write in the next group commit; resolves once it is durable. With an
 * idempotency claim, a retry of the same request returns the first response.
 */
export function runWrite<Name extends WriteOperationName>(
  store: Pick<Store, "run">,
  operation: Name,
  input: WriteInput<Name>,
  idempotency?: IdempotencyClaim,
): Promise<WriteResult<Name>> {
  return store.run({ operation, input, idempotency }) as Promise<WriteResult<Name>>;
}

// Inputs are checked where runWrite is called; by name, an operation takes what it is given.
const registry: Readonly<Record<string, WriteOperation<never, unknown>>> = writeOperations;

/** The {@link WriteExecutor} both engines are opened with. */
export const executeWrite: WriteExecutor = async (context, request) => {
  const operation = Object.hasOwn(registry, request.operation)
    ? (registry[request.operation] as WriteOperation<unknown, unknown>)
    : undefined;
  if (operation === undefined) {
    throw new TypeError(`no write operation is named ${JSON.stringify(request.operation)}`);
  }
  const claim = request.idempotency;
  if (claim === undefined) return operation(context, request.input);
  return runIdempotently(context, claim, () => operation(context, request.input));
};
