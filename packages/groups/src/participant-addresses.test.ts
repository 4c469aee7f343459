import { describe, expect, it } from "vitest";
import { checkParticipantAddresses } from "./participant-addresses.js";

describe("checkParticipantAddresses", () => {
  it("normalises with core's address rules and keeps the order", () => {
    expect(
      checkParticipantAddresses("addresses", [" Dave@Example.com", "+1 (415) 555-0100"]),
    ).toEqual(["dave@example.com", "+14155550100"]);
  });

  it("a sparse array's hole is an invalid address, not skipped", () => {
    const sparse: string[] = ["dave@example.com"];
    sparse.length = 2;
    expect(() => checkParticipantAddresses("addresses", sparse)).toThrow(/addresses\[1\]/);
  });

  it("exactly 100 addresses are allowed", () => {
    const hundred = Array.from({ length: 100 }, (_, index) => `p${index}@example.com`);
    expect(checkParticipantAddresses("addresses", hundred)).toHaveLength(100);
  });
});
