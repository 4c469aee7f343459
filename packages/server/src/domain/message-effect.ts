import { invalidArgument } from "../rpc/rpc-error.js";

/** Apple's expressive-send identifiers the server accepts: bubble effects, then screen effects. */
export const messageEffectIds: ReadonlySet<string> = new Set([
  "com.apple.MobileSMS.expressivesend.impact",
  "com.apple.MobileSMS.expressivesend.loud",
  "com.apple.MobileSMS.expressivesend.gentle",
  "com.apple.MobileSMS.expressivesend.invisibleink",
  "com.apple.messages.effect.CKHappyBirthdayEffect",
  "com.apple.messages.effect.CKConfettiEffect",
  "com.apple.messages.effect.CKHeartEffect",
  "com.apple.messages.effect.CKLasersEffect",
  "com.apple.messages.effect.CKFireworksEffect",
  "com.apple.messages.effect.CKSparklesEffect",
  "com.apple.messages.effect.CKShootingStarEffect",
  "com.apple.messages.effect.CKEchoEffect",
  "com.apple.messages.effect.CKSpotlightEffect",
]);

/**
 * Checks an optional effect id: absent stays null, anything else must be one of
 * {@link messageEffectIds}. Throws INVALID_ARGUMENT listing the allowed ids.
 */
export function validateEffect(value: string | null | undefined, field: string): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (messageEffectIds.has(value)) return value;
  throw invalidArgument(
    `${field} ${JSON.stringify(value.slice(0, 100))} is not a known message effect; allowed: ${[...messageEffectIds].join(", ")}`,
    { field },
  );
}
