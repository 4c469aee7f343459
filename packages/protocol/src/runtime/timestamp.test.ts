import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { photon } from "../generated/protocol.js";
import { timestampFromDate, timestampToDate } from "./timestamp.js";

describe("timestamps", () => {
  it("a Date survives Date -> Timestamp -> wire -> Timestamp -> Date at millisecond precision", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("0001-01-01T00:00:00Z"),
          max: new Date("9999-12-31T23:59:59.999Z"),
          noInvalidDate: true,
        }),
        (date) => {
          const bytes = photon.imessage.v1.ChatChangeEvent.encode({
            occurredAt: timestampFromDate(date),
          }).finish();
          const decoded = photon.imessage.v1.ChatChangeEvent.decode(bytes);
          expect(timestampToDate(decoded.occurredAt).getTime()).toBe(date.getTime());
        },
      ),
    );
  });

  it("dates before 1970 keep non-negative nanos", () => {
    const timestamp = timestampFromDate(new Date(-1));
    expect(timestamp).toEqual({ seconds: -1, nanos: 999_000_000 });
  });

  it("an absent timestamp is the Unix epoch", () => {
    expect(timestampToDate(undefined).getTime()).toBe(0);
    expect(timestampToDate(null).getTime()).toBe(0);
  });

  it("rejects invalid dates and out-of-range fields with a message saying what is allowed", () => {
    expect(() => timestampFromDate(new Date(Number.NaN))).toThrow(/valid Date/);
    expect(() => timestampFromDate(new Date("+010000-01-01T00:00:00Z"))).toThrow(
      /0001-01-01 and 9999-12-31/,
    );
    expect(() => timestampToDate({ seconds: 0, nanos: 1_000_000_000 })).toThrow(
      /nanos must be an integer in \[0, 999999999\]/,
    );
    expect(() => timestampToDate({ seconds: 1e12, nanos: 0 })).toThrow(
      /seconds must be an integer/,
    );
  });
});
