import type {
  MiniAppCardFields,
  MiniAppCardRecord,
} from "../storage/repositories/mini-app-repository.js";
import type { Repositories } from "../storage/repositories.js";

export type {
  MiniAppCardFields,
  MiniAppCardRecord,
  MiniAppLayoutRecord,
} from "../storage/repositories/mini-app-repository.js";

/** Stores the card shown by message `messageId`. Run inside a write. */
export function insertMiniAppCard(
  repositories: Repositories,
  messageId: number,
  sessionId: string,
  card: MiniAppCardFields,
): Promise<void> {
  return repositories.miniApps.insert(messageId, sessionId, card);
}

/**
 * Replaces everything a card shows and marks its message edited at `editedAt` (epoch
 * ms); its message and session stay. Run inside a write.
 */
export function replaceMiniAppCard(
  repositories: Repositories,
  messageId: number,
  card: MiniAppCardFields,
  editedAt: number,
): Promise<void> {
  return repositories.miniApps.replace(messageId, card, editedAt);
}

/** The card message `messageId` shows, or undefined when it is no card. */
export function miniAppCardOf(
  repositories: Repositories,
  messageId: number,
): Promise<MiniAppCardRecord | undefined> {
  return repositories.miniApps.findForMessage(messageId);
}

/** The card of session `sessionId`, or undefined. */
export function miniAppCardBySession(
  repositories: Repositories,
  sessionId: string,
): Promise<MiniAppCardRecord | undefined> {
  return repositories.miniApps.findBySession(sessionId);
}
