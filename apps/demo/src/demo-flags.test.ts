import { describe, expect, it } from "vitest";
import { parseDemoFlags, UsageError } from "./demo-flags.js";

describe("parseDemoFlags", () => {
  it("defaults finish a crash midway through 2000 events on an embedded server", () => {
    expect(parseDemoFlags([], {})).toEqual({
      events: 2000,
      crashAt: 800,
      concurrency: 8,
      crash: true,
    });
  });

  it("reads every flag, with a space or an equals sign", () => {
    expect(
      parseDemoFlags(["--events", "500", "--crash-at=100", "--concurrency", "3", "--no-crash"], {}),
    ).toEqual({ events: 500, crashAt: 100, concurrency: 3, crash: false });
  });

  it("uses THREADLINE_ADDRESS and THREADLINE_TOKEN for another server", () => {
    expect(
      parseDemoFlags([], { THREADLINE_ADDRESS: "10.0.0.2:50051", THREADLINE_TOKEN: "secret" }),
    ).toMatchObject({ remote: { address: "10.0.0.2:50051", token: "secret" } });
    expect(
      parseDemoFlags(["--address", "[::1]:50051"], { THREADLINE_TOKEN: "secret" }),
    ).toMatchObject({ remote: { address: "[::1]:50051", token: "secret" } });
  });

  it("ignores the -- separator a package manager may pass through", () => {
    expect(parseDemoFlags(["--", "--events", "50"], {})).toMatchObject({ events: 50 });
  });

  it("answers --help", () => {
    expect(parseDemoFlags(["--help"], {})).toBe("help");
  });

  it.each([
    [["--events"], /--events needs a value: an integer from 1 to 1000000/],
    [["--events", "ten"], /--events must be an integer from 1 to 1000000; received ten/],
    [["--events", "0"], /--events must be an integer from 1 to 1000000; received 0/],
    [["--events", "5"], /--events must be at least 10 so a crash fits midway; received 5/],
    [["--concurrency", "1.5"], /--concurrency must be an integer from 1 to 256; received 1.5/],
    [["--concurrency", "999"], /--concurrency must be an integer from 1 to 256; received 999/],
    [["--events", "100", "--crash-at", "100"], /--crash-at must be below --events \(100\)/],
    [
      ["--address", "localhost"],
      /--address must be host:port, e.g. 127.0.0.1:50051; received localhost/,
    ],
    [["--address", "127.0.0.1:1"], /needs THREADLINE_TOKEN/],
    [["--fast"], /unknown argument "--fast"; allowed: --events, --crash-at/],
    [["--channel", "sms"], /--channel must be imessage or whatsapp; received sms/],
    [["--channel"], /--channel must be imessage or whatsapp; received nothing/],
  ])("rejects %j saying what is allowed", (argv, message) => {
    expect(() => parseDemoFlags(argv, {})).toThrow(UsageError);
    expect(() => parseDemoFlags(argv, {})).toThrow(message);
  });

  it("--channel whatsapp selects the WhatsApp scene; imessage is the default", () => {
    expect(parseDemoFlags(["--channel", "whatsapp"], {})).toEqual({
      events: 2000,
      crashAt: 800,
      concurrency: 8,
      crash: true,
      channel: "whatsapp",
    });
    expect(parseDemoFlags(["--channel=imessage"], {})).not.toHaveProperty("channel");
  });

  it("--channel whatsapp refuses another server: its scene needs the embedded one", () => {
    expect(() =>
      parseDemoFlags(["--channel", "whatsapp"], { THREADLINE_ADDRESS: "10.0.0.2:50051" }),
    ).toThrow(/--channel whatsapp runs its own embedded server/);
  });

  it("allows a crash point past the end when there is no crash", () => {
    expect(
      parseDemoFlags(["--events", "100", "--crash-at", "500", "--no-crash"], {}),
    ).toMatchObject({ crash: false, crashAt: 500 });
  });
});
