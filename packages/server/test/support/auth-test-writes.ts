import { replaceTokens } from "../../src/auth/account-directory.js";
import type { WriteExecutor } from "../../src/storage/write-context.js";
import { testExecute } from "./test-writes.js";

/** Thrown by "test.rotateTokensThenFail" after it revoked the tokens. */
export const plannedRevocationFailure = "planned failure after revoking";

/**
 * The test writes plus "test.rotateTokensThenFail" ({ accountId }): revokes the
 * account's tokens and issues a new one, then throws, so the whole write rolls back.
 */
export const authTestExecute: WriteExecutor = async (context, request) => {
  if (request.operation !== "test.rotateTokensThenFail") return testExecute(context, request);
  const { accountId } = request.input as { accountId: number };
  await replaceTokens(context.repositories, accountId, context.now);
  throw new Error(plannedRevocationFailure);
};
