import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { directChat, groupChat, isChatGuid, normalizeAddress, parseChatGuid } from "./chat-guid.js";
import { ValidationError } from "./errors/error-classes.js";

describe("chat GUIDs", () => {
  it("directChat normalises emails and phone numbers", () => {
    expect(directChat(" Bob@Example.COM ")).toBe("any;-;bob@example.com");
    expect(directChat("+1 (555) 010-2030")).toBe("any;-;+15550102030");
  });

  it("directChat rejects what is neither an email nor an E.164 number, saying what is allowed", () => {
    expect(() => directChat("bob")).toThrow(ValidationError);
    expect(() => directChat("bob")).toThrow(
      /must be an email address .* or an E.164 phone number.*; received "bob"/,
    );
    expect(() => directChat("5550102030")).toThrow(ValidationError);
    expect(() => normalizeAddress("a;b@x")).toThrow(ValidationError);
  });

  it("groupChat builds any;+;<id> and rejects empty ids or ids with ';'", () => {
    expect(groupChat("abc-123")).toBe("any;+;abc-123");
    expect(() => groupChat("")).toThrow(ValidationError);
    expect(() => groupChat("a;b")).toThrow(/without ';'/);
  });

  it("parseChatGuid takes direct and group GUIDs apart", () => {
    expect(parseChatGuid("any;-;bob@example.com")).toMatchObject({
      kind: "direct",
      service: "any",
      address: "bob@example.com",
    });
    expect(parseChatGuid("iMessage;+;chat42")).toMatchObject({
      kind: "group",
      service: "iMessage",
      id: "chat42",
    });
  });

  it.each(["", "any", "any;-;", "any;x;bob", ";-;bob", "any;-;a;b", "any;+; padded"])(
    "parseChatGuid rejects %j with a ValidationError",
    (guid) => {
      expect(() => parseChatGuid(guid)).toThrow(ValidationError);
      expect(isChatGuid(guid)).toBe(false);
    },
  );

  it("every GUID groupChat/directChat builds parses back to what built it", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/), (id) => {
        const parsed = parseChatGuid(groupChat(id));
        expect(parsed.kind === "group" && parsed.id).toBe(id);
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9]{1,10}@[a-z0-9]{1,10}\.[a-z]{2,4}$/), (email) => {
        const parsed = parseChatGuid(directChat(email));
        expect(parsed.kind === "direct" && parsed.address).toBe(email);
      }),
    );
  });
});
