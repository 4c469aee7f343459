import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ServerError } from "../errors/server-error.js";
import { decodeWhatsAppCursor, encodeWhatsAppCursor } from "./whatsapp-cursor.js";

const numberId = fc.integer({ min: 1, max: 2 ** 40 });
const sequence = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

describe("WhatsApp cursors", () => {
  it("decode what they encode, for the same number", () => {
    fc.assert(
      fc.property(numberId, sequence, (id, position) => {
        expect(decodeWhatsAppCursor(encodeWhatsAppCursor(id, position), id)).toBe(position);
      }),
    );
  });

  it("are refused for any other number, naming the field", () => {
    fc.assert(
      fc.property(numberId, numberId, sequence, (owner, caller, position) => {
        fc.pre(owner !== caller);
        expect(() =>
          decodeWhatsAppCursor(
            encodeWhatsAppCursor(owner, position),
            caller,
            "position.after_cursor",
          ),
        ).toThrow(/position\.after_cursor .* another business number/);
      }),
    );
  });

  it("refuse any string this server did not issue with INVALID_ARGUMENT", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        fc.pre(
          !/^wa1\.[1-9][0-9]*\.(0|[1-9][0-9]*)$/.test(
            Buffer.from(text, "base64url").toString("utf8"),
          ),
        );
        try {
          decodeWhatsAppCursor(text, 1);
          expect.unreachable(`accepted ${JSON.stringify(text)}`);
        } catch (error) {
          expect(error).toBeInstanceOf(ServerError);
          expect(error instanceof ServerError && error.errorCode).toBe("INVALID_ARGUMENT");
        }
      }),
    );
  });
});
