/**
 * Per-range animations (Apple's iOS 18 text effects) for a formatting range of type
 * `"effect"`, the same names the published client uses.
 *
 * @example
 * await im.messages.sendText(chat, "big news", {
 *   formatting: [{ type: "effect", start: 0, length: 3, effect: TextEffect.explode }],
 * });
 */
export const TextEffect = {
  big: "big",
  small: "small",
  shake: "shake",
  nod: "nod",
  explode: "explode",
  ripple: "ripple",
  bloom: "bloom",
  jitter: "jitter",
} as const;

/** One of the {@link TextEffect} names. */
export type TextEffect = (typeof TextEffect)[keyof typeof TextEffect];

const knownTextEffects: ReadonlySet<string> = new Set(Object.values(TextEffect));

/** Whether `value` is one of the {@link TextEffect} names. */
export function isTextEffect(value: unknown): value is TextEffect {
  return typeof value === "string" && knownTextEffects.has(value);
}
