import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors/error-classes.js";
import { checkMessageGuid } from "./message-guid.js";

describe("checkMessageGuid", () => {
  it("accepts 1 to 128 printable ASCII characters and returns them unchanged", () => {
    expect(checkMessageGuid("message", "3F2B8C1E-0000-4000-8000-000000000001")).toBe(
      "3F2B8C1E-0000-4000-8000-000000000001",
    );
    expect(checkMessageGuid("message", "x".repeat(128))).toBe("x".repeat(128));
  });

  it.each([
    ["empty", ""],
    ["a space", "A B"],
    ["too long", "x".repeat(129)],
    ["non-ASCII", "é"],
    ["not a string", 42],
  ])("refuses %s, naming the field and what is allowed", (_name, value) => {
    expect(() => checkMessageGuid("options.replyTo", value)).toThrow(ValidationError);
    expect(() => checkMessageGuid("options.replyTo", value)).toThrow(
      /^options\.replyTo must be a message GUID \(1 to 128 printable ASCII characters without spaces\)/,
    );
  });

  it("names the kind of GUID and where to get one", () => {
    expect(() =>
      checkMessageGuid("pollMessage", "", "a poll message GUID", "poll.pollMessageGuid"),
    ).toThrow(/pollMessage must be a poll message GUID .*; pass poll\.pollMessageGuid/);
  });
});
