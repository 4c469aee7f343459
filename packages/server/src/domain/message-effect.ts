import { invalidArgument } from "../errors/common-errors.js";

const balloons = "com.apple.messages.effect.CKHappyBirthdayEffect";

/** Apple's expressive-send identifiers the server stores: bubble effects, then screen effects. */
export const messageEffectIds: ReadonlySet<string> = new Set([
  "com.apple.MobileSMS.expressivesend.impact",
  "com.apple.MobileSMS.expressivesend.loud",
  "com.apple.MobileSMS.expressivesend.gentle",
  "com.apple.MobileSMS.expressivesend.invisibleink",
  balloons,
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
 * Identifiers other clients send for an effect whose Apple identifier is different.
 * The published Photon client sends `CKBalloonEffect` for balloons, which Apple calls
 * `CKHappyBirthdayEffect`; the server accepts it and stores Apple's identifier.
 */
const effectAliases: ReadonlyMap<string, string> = new Map([
  ["com.apple.messages.effect.CKBalloonEffect", balloons],
]);

/**
 * Checks an optional effect id: absent stays null; a known id or alias becomes Apple's
 * identifier. Throws INVALID_ARGUMENT listing the allowed ids.
 */
export function validateEffect(value: string | null | undefined, field: string): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (messageEffectIds.has(value)) return value;
  const canonical = effectAliases.get(value);
  if (canonical !== undefined) return canonical;
  throw invalidArgument(
    `${field} ${JSON.stringify(value.slice(0, 100))} is not a known message effect; allowed: ${[...messageEffectIds, ...effectAliases.keys()].join(", ")}`,
    { field },
  );
}
