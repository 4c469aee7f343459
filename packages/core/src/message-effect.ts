/**
 * Named effects for a sent message (`messages.sendText`, the opening message of
 * `chats.create(...)`), so callers never type Apple's expressive-send identifiers.
 *
 * Bubble effects (`slam`, `loud`, `gentle`, `invisibleInk`) animate the bubble itself;
 * screen effects fill the whole conversation.
 *
 * @example
 * await im.chats.create(["alice@example.com"], { message: "Happy birthday!", effect: MessageEffect.balloons });
 */
export const MessageEffect = {
  /** Bubble: lands with a slam. */
  slam: "com.apple.MobileSMS.expressivesend.impact",
  /** Bubble: grows and shakes. */
  loud: "com.apple.MobileSMS.expressivesend.loud",
  /** Bubble: starts small and grows softly. */
  gentle: "com.apple.MobileSMS.expressivesend.gentle",
  /** Bubble: hidden until the reader swipes over it. */
  invisibleInk: "com.apple.MobileSMS.expressivesend.invisibleink",
  /** Screen: floating balloons (Apple names this effect "happy birthday"). */
  balloons: "com.apple.messages.effect.CKHappyBirthdayEffect",
  /** Screen: falling confetti. */
  confetti: "com.apple.messages.effect.CKConfettiEffect",
  /** Screen: a heart balloon. */
  love: "com.apple.messages.effect.CKHeartEffect",
  /** Screen: laser beams. */
  lasers: "com.apple.messages.effect.CKLasersEffect",
  /** Screen: fireworks. */
  fireworks: "com.apple.messages.effect.CKFireworksEffect",
  /** Screen: sparkles (shown as "Celebration" in Messages). */
  celebration: "com.apple.messages.effect.CKSparklesEffect",
  /** Screen: a shooting star. */
  shootingStar: "com.apple.messages.effect.CKShootingStarEffect",
  /** Screen: the message repeats across the screen. */
  echo: "com.apple.messages.effect.CKEchoEffect",
  /** Screen: a spotlight on the message. */
  spotlight: "com.apple.messages.effect.CKSpotlightEffect",
} as const;

/** One of the {@link MessageEffect} identifiers. */
export type MessageEffect = (typeof MessageEffect)[keyof typeof MessageEffect];

const knownEffects: ReadonlySet<string> = new Set(Object.values(MessageEffect));

/** Whether `value` is one of the {@link MessageEffect} identifiers. */
export function isMessageEffect(value: unknown): value is MessageEffect {
  return typeof value === "string" && knownEffects.has(value);
}

/** `confetti, balloons, ...`: the names a caller may use, for error messages. */
export const messageEffectNames: string = Object.keys(MessageEffect)
  .map((name) => `MessageEffect.${name}`)
  .join(", ");
