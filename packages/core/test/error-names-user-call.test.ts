import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  ConnectionError,
  createClient,
  type ThreadlineClient,
} from "../src/index.js";
import { collect, startFixture } from "./fixture.js";

/** The rejection of `work`; fails the test when it resolves. */
async function failureOf(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error("expected a failure, but the call succeeded");
}

const refused = "was refused: the server did not accept the bearer token.";

describe("errors name what the user called and the likely cause", () => {
  // The README's examples fall back to this text when THREADLINE_TOKEN is unset.
  const placeholder = "the token printed by `accounts add`";

  it.each([
    ["events.getLogInfo()", (im: ThreadlineClient) => im.events.getLogInfo()],
    ["events.catchUp()", (im: ThreadlineClient) => collect(im.events.catchUp(0))],
    ["events.fetchMissed()", (im: ThreadlineClient) => im.events.fetchMissed({})],
    ['events.live("message")', (im: ThreadlineClient) => im.events.live("message").ready],
    ["events.subscribe()", (im: ThreadlineClient) => collect(im.events.subscribe())],
  ])("%s with an unset token names itself, not an internal RPC", async (operation, call) => {
    await using fixture = await startFixture();
    const im = fixture.client({ token: placeholder, retry: false });
    const error = await failureOf(call(im));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message.startsWith(`${operation} ${refused}`), error.message).toBe(true);
    expect(error.message).toContain("is THREADLINE_TOKEN set?");
    expect(error.message).toContain("threadline-server accounts add");
    // The server's own words stay in the message for whoever debugs it.
    expect(error.message).toContain("The server said: authorization metadata must have the form");
    expect(error.message).not.toMatch(/GetServerInfo|Subscribe\w*Events|CatchUp\w*|FetchEvents/);
    expect(error).toMatchObject({ code: "UNAUTHENTICATED", context: { operation } });
  });

  it("a token the server does not know gets the same cause", async () => {
    await using fixture = await startFixture();
    const im = fixture.client({ token: "not-a-token-of-this-server" });
    const error = await failureOf(im.events.getLogInfo());
    expect(error.message).toBe(
      "events.getLogInfo() was refused: the server did not accept the bearer token. Check the `token` given to createClient (in the README's examples: is THREADLINE_TOKEN set?); it must be one that `threadline-server accounts add` or `accounts rotate-token` printed for this server. The server said: the bearer token is not valid on this server",
    );
  });

  it("an unreachable server is named by the user's call too", async () => {
    const im = createClient({ address: "127.0.0.1:1", token: "any-token", retry: false });
    try {
      const error = await failureOf(im.events.getLogInfo());
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error.message.startsWith("events.getLogInfo() failed: "), error.message).toBe(true);
      expect(error.message).not.toContain("GetServerInfo");
    } finally {
      await im.close();
    }
  });
});
