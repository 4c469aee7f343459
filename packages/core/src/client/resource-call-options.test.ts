import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors/error-classes.js";
import { resourceCallSettings, resourceWriteSettings } from "./resource-call-options.js";

describe("resourceCallSettings", () => {
  it("passes a signal and a deadline through and adds nothing else", () => {
    const signal = new AbortController().signal;
    expect(resourceCallSettings("options", { signal, timeoutMs: 500 })).toStrictEqual({
      signal,
      timeoutMs: 500,
    });
    expect(resourceCallSettings("options", undefined)).toStrictEqual({});
  });

  it.each([
    ["options that are not an object", "fast", /options must be an object or omitted/],
    ["an array", [], /options must be an object or omitted/],
    ["a fake signal", { signal: { aborted: false } }, /options\.signal must be an AbortSignal/],
    ["a negative deadline", { timeoutMs: -1 }, /options\.timeoutMs must be a positive/],
  ])("%s is a ValidationError", (_name, options, message) => {
    expect(() => resourceCallSettings("options", options)).toThrow(ValidationError);
    expect(() => resourceCallSettings("options", options)).toThrow(message);
  });
});

describe("resourceWriteSettings", () => {
  it("a write is mutating; the caller's key is the idempotency key and the clientMessageId", () => {
    expect(resourceWriteSettings("options", { clientMessageId: "job-1" })).toStrictEqual({
      clientMessageId: "job-1",
      settings: { mutating: true, idempotencyKey: "job-1" },
    });
    expect(resourceWriteSettings("options", undefined)).toStrictEqual({
      clientMessageId: undefined,
      settings: { mutating: true },
    });
  });

  it.each(["", " job", 42])("clientMessageId %j is a ValidationError", (key) => {
    expect(() => resourceWriteSettings("options", { clientMessageId: key })).toThrow(
      /options\.clientMessageId must be a non-empty string without leading or trailing whitespace/,
    );
  });
});
