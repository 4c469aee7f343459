import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isValidWebhookSignature, signWebhookBody } from "./webhook-signature.js";

const body = fc.uint8Array({ minLength: 0, maxLength: 512 });
const secret = fc.string({ minLength: 1, maxLength: 64 });

describe("X-Hub-Signature-256", () => {
  it("accepts the HMAC of the exact bytes under the app secret (hex in either case)", () => {
    fc.assert(
      fc.property(body, secret, (bytes, key) => {
        const header = signWebhookBody(bytes, key);
        expect(isValidWebhookSignature(bytes, header, key)).toBe(true);
        expect(isValidWebhookSignature(bytes, `sha256=${header.slice(7).toUpperCase()}`, key)).toBe(
          true,
        );
      }),
    );
  });

  it("refuses a body with any byte changed, another secret, or a malformed header", () => {
    fc.assert(
      fc.property(
        body,
        secret,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (bytes, key, at, flip) => {
          fc.pre(bytes.length > 0);
          const header = signWebhookBody(bytes, key);
          const changed = Uint8Array.from(bytes);
          const index = at % changed.length;
          changed[index] = (changed[index] ?? 0) ^ flip;
          expect(isValidWebhookSignature(changed, header, key)).toBe(false);
          expect(isValidWebhookSignature(bytes, header, `${key}x`)).toBe(false);
          expect(isValidWebhookSignature(bytes, header.replace("sha256=", ""), key)).toBe(false);
          expect(isValidWebhookSignature(bytes, `${header}00`, key)).toBe(false);
          expect(isValidWebhookSignature(bytes, undefined, key)).toBe(false);
        },
      ),
    );
  });
});
