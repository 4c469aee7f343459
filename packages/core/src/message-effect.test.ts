import { describe, expect, it } from "vitest";
import { isMessageEffect, MessageEffect } from "./message-effect.js";

describe("MessageEffect", () => {
  it("maps friendly names to Apple's expressive-send identifiers", () => {
    expect(MessageEffect.confetti).toBe("com.apple.messages.effect.CKConfettiEffect");
    expect(MessageEffect.slam).toBe("com.apple.MobileSMS.expressivesend.impact");
    expect(MessageEffect.invisibleInk).toBe("com.apple.MobileSMS.expressivesend.invisibleink");
  });

  it("has one distinct identifier per name", () => {
    const identifiers = Object.values(MessageEffect);
    expect(new Set(identifiers).size).toBe(identifiers.length);
    for (const identifier of identifiers) {
      expect(identifier).toMatch(
        /^com\.apple\.(messages\.effect\.CK\w+Effect|MobileSMS\.expressivesend\.\w+)$/,
      );
    }
  });

  it("recognises only known identifiers", () => {
    expect(isMessageEffect(MessageEffect.echo)).toBe(true);
    expect(isMessageEffect("confetti")).toBe(false);
    expect(isMessageEffect("com.apple.messages.effect.CKUnknownEffect")).toBe(false);
    expect(isMessageEffect(undefined)).toBe(false);
  });
});
