import { describe, expect, it } from "vitest";
import { AuthenticationError } from "../errors/error-classes.js";
import { authHeadersResolver } from "./auth-headers.js";

describe("authHeadersResolver", () => {
  it("sends the given auth headers instead of a bearer token", async () => {
    const resolve = authHeadersResolver({
      token: "ignored",
      authHeaders: { access_token: "a", phone_number_id: "1" },
    });
    expect(await resolve()).toEqual({ access_token: "a", phone_number_id: "1" });
  });

  it("calls a header function before every call", async () => {
    let calls = 0;
    const resolve = authHeadersResolver({
      authHeaders: () => {
        calls += 1;
        return { access_token: `token-${calls}` };
      },
    });
    expect(await resolve()).toEqual({ access_token: "token-1" });
    expect(await resolve()).toEqual({ access_token: "token-2" });
  });

  it("a throwing header function is an AuthenticationError before anything is sent", async () => {
    const resolve = authHeadersResolver({
      authHeaders: () => {
        throw new Error("vault down");
      },
    });
    await expect(resolve()).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("without auth headers the bearer token is the authorization header", async () => {
    const resolve = authHeadersResolver({ token: "secret" });
    expect(await resolve()).toEqual({ authorization: "Bearer secret" });
  });
});
