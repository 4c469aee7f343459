import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { directChat, groupChat, isChatGuid, parseChatGuid } from "./chat-guid.js";
import { ValidationError } from "./errors/error-classes.js";
import { normalizeAddress } from "./validation/address.js";

describe("chat GUIDs", () => {
  it("directChat normalises emails and phone numbers", () => {
    expect(directChat(" Bob@Example.COM ")).toBe("any;-;bob@example.com");
    expect(directChat("+1 (415) 555-0100")).toBe("any;-;+14155550100");
  });

  it("directChat rejects what is neither an email nor an E.164 number, saying what is allowed", () => {
    expect(() => directChat("bob")).toThrow(ValidationError);
    expect(() => directChat("bob")).toThrow(
      /neither an email address nor a phone number; expected an email address .* or a phone number in international E\.164 form.*; received "bob"/,
    );
    expect(() => directChat("5550102030")).toThrow(ValidationError);
    expect(() => normalizeAddress("a;b@x")).toThrow(ValidationError);
  });

  it("groupChat builds any;+;<id> and rejects empty ids or ids with ';'", () => {
    expect(groupChat("abc-123")).toBe("any;+;abc-123");
    expect(() => groupChat("")).toThrow(ValidationError);
    expect(() => groupChat("a;b")).toThrow(/without spaces or ';'/);
  });

  it("parseChatGuid takes direct and group GUIDs apart", () => {
    expect(parseChatGuid("any;-;bob@example.com")).toMatchObject({
      kind: "direct",
      service: "any",
      address: "bob@example.com",
      guid: "any;-;bob@example.com",
    });
    expect(parseChatGuid("any;+;chat42")).toMatchObject({
      kind: "group",
      service: "any",
      id: "chat42",
      guid: "any;+;chat42",
    });
  });

  it("parseChatGuid returns the GUID with its address normalised, as the server names the chat", () => {
    expect(parseChatGuid("any;-;Bob@Example.COM").guid).toBe("any;-;bob@example.com");
    expect(parseChatGuid("any;-;+1 415 555 0100")).toMatchObject({
      address: "+14155550100",
      guid: "any;-;+14155550100",
    });
  });

  it("parseChatGuid names the field it was given", () => {
    expect(() => parseChatGuid("nope", "filter.chat")).toThrow(/^filter\.chat must be a chat GUID/);
    expect(() => parseChatGuid("any;-;12345", "chatGuid")).toThrow(
      /^chatGuid address looks like a short code/,
    );
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

// Core and @threadline/chats used to disagree on these. The reference docs define a chat
// GUID as "any;-;{recipient}" or "any;+;{group-id}" and say addresses are full email
// addresses or E.164 numbers, with short codes and service numbers refused; that is the
// one rule now, in core.
describe("the merged chat GUID and address rules", () => {
  it.each([
    ["+12345", /not a valid phone number/],
    ["+1 555 010 2030", /not a valid phone number/],
    ["+19005550199", /premium-rate number, a service number/],
    ["12345", /looks like a short code/],
    ["alice@example", /is not a valid email address/],
    ["alice@192.168.0.1", /is not a valid email address/],
  ])("directChat(%j) is refused, as chats refused it", (address, reason) => {
    expect(() => directChat(address)).toThrow(ValidationError);
    expect(() => directChat(address)).toThrow(reason);
  });

  it.each(["iMessage;-;alice@example.com", "SMS;-;+14155550100", "iMessage;+;chat42", "x;+;group"])(
    "a service prefix other than any; is refused: %j",
    (guid) => {
      expect(() => parseChatGuid(guid)).toThrow(/must be a chat GUID: "any;-;<address>"/);
      expect(isChatGuid(guid)).toBe(false);
    },
  );

  it.each(["any;+;a b", "any;+;tab\there"])(
    "a group id with whitespace inside is refused: %j",
    (guid) => {
      expect(() => parseChatGuid(guid)).toThrow(/needs a group id after "any;\+;"/);
      expect(() => groupChat(guid.slice("any;+;".length))).toThrow(ValidationError);
    },
  );

  it("a direct GUID's address obeys the address rules", () => {
    expect(() => parseChatGuid("any;-;+12345")).toThrow(/chatGuid address is not a valid phone/);
    expect(() => parseChatGuid("any;-;4155550100")).toThrow(/leading "\+"/);
  });
});
