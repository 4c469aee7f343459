import { ValidationError } from "@threadline/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkChatGuid } from "./chat-guid-validation.js";

describe("checkChatGuid", () => {
  it("accepts both shapes", () => {
    expect(checkChatGuid("chatGuid", "any;-;alice@example.com")).toBe("any;-;alice@example.com");
    expect(checkChatGuid("chatGuid", "any;-;+14155550100")).toBe("any;-;+14155550100");
    expect(checkChatGuid("chatGuid", "any;+;6f1c2a")).toBe("any;+;6f1c2a");
  });

  it("normalises the address of a direct chat GUID the way the server names chats", () => {
    expect(checkChatGuid("chatGuid", "any;-;Alice@Example.com")).toBe("any;-;alice@example.com");
    expect(checkChatGuid("chatGuid", "any;-;+1 415 555 0100")).toBe("any;-;+14155550100");
  });

  it.each([
    ["alice@example.com", /must be a chat GUID: "any;-;<address>"/],
    ["iMessage;-;alice@example.com", /must be a chat GUID/],
    ["any;-;", /has no address after "any;-;"/],
    ["any;+;", /needs a group id after "any;\+;"/],
    ["any;+;has space", /needs a group id/],
    ["any;-;12345", /address looks like a short code/],
    ["any;-;4155550100", /address must be in international form/],
    ["any;-;not-an-email@", /address is not a valid email address/],
    ["", /must be a chat GUID/],
  ])("rejects %j", (input, reason) => {
    expect(() => checkChatGuid("chatGuid", input)).toThrow(ValidationError);
    expect(() => checkChatGuid("chatGuid", input)).toThrow(reason);
  });

  it.each([[undefined], [null], [7], [{ guid: "any;-;alice@example.com" }]])(
    "rejects the non-string %j",
    (input) => {
      expect(() => checkChatGuid("chatGuid", input)).toThrow(/chatGuid must be a chat GUID/);
    },
  );
});

describe("checkChatGuid on arbitrary input", () => {
  it("either returns a GUID in one of the two shapes that checks to itself, or throws ValidationError", () => {
    const guidLike = fc
      .tuple(
        fc.constantFrom("any;-;", "any;+;", "any;", "", "iMessage;-;"),
        fc.string({ maxLength: 20 }),
      )
      .map(([prefix, rest]) => prefix + rest);
    fc.assert(
      fc.property(fc.oneof(guidLike, fc.string(), fc.anything()), (input) => {
        let guid: string;
        try {
          guid = checkChatGuid("chatGuid", input);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          return;
        }
        expect(guid).toMatch(/^any;[-+];\S+$/);
        expect(checkChatGuid("chatGuid", guid)).toBe(guid);
      }),
      { numRuns: 2000 },
    );
  });
});
