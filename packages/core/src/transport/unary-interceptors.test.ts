import { metadataKeys } from "@threadline/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AuthenticationError, CancelledError, ConnectionError } from "../errors/error-classes.js";
import { authInterceptor } from "./auth-interceptor.js";
import { idempotencyInterceptor } from "./idempotency-interceptor.js";
import { retryInterceptor } from "./retry-interceptor.js";
import { createRetryPolicy } from "./retry-options.js";
import {
  applyInterceptors,
  type UnaryInterceptor,
  type UnaryNext,
  type UnaryRequest,
} from "./unary-interceptor.js";

function request(overrides: Partial<UnaryRequest<string>> = {}): UnaryRequest<string> {
  return {
    method: { path: "/test.Service/Call", responseDeserialize: (bytes) => bytes.toString() },
    operation: "Service.Call",
    message: Buffer.from("hello"),
    headers: {},
    deadline: Date.now() + 60_000,
    signal: undefined,
    mutating: false,
    idempotencyKey: undefined,
    ...overrides,
  };
}

/** A last step that records each attempt's headers and fails the first `failures` ones. */
function attempts(failures: number, failure: () => unknown = () => new ConnectionError("down")) {
  const seen: Readonly<Record<string, string>>[] = [];
  let remaining = failures;
  const attempt: UnaryNext = async <Response>(call: UnaryRequest<Response>) => {
    seen.push(call.headers);
    if (remaining > 0) {
      remaining -= 1;
      throw failure();
    }
    return call.method.responseDeserialize(call.message);
  };
  return { seen, attempt };
}

const noWait = createRetryPolicy({ initialDelay: 0, maxDelay: 0, maxAttempts: 4 });
const never = () => false;

describe("unary interceptors", () => {
  it("the first interceptor listed is the outermost", async () => {
    const order: string[] = [];
    const named =
      (name: string): UnaryInterceptor =>
      (next) =>
      async (call) => {
        order.push(`${name} in`);
        const result = await next(call);
        order.push(`${name} out`);
        return result;
      };
    const call = applyInterceptors([named("a"), named("b")], attempts(0).attempt);
    expect(await call(request())).toBe("hello");
    expect(order).toEqual(["a in", "b in", "b out", "a out"]);
  });

  it("a mutating call keeps one idempotency key across every retry; a read carries none", async () => {
    const write = attempts(2);
    const call = applyInterceptors(
      [idempotencyInterceptor, retryInterceptor(noWait, never)],
      write.attempt,
    );
    await call(request({ mutating: true }));
    const keys = write.seen.map((headers) => headers[metadataKeys.idempotencyKey]);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);

    const given = attempts(1);
    await applyInterceptors(
      [idempotencyInterceptor, retryInterceptor(noWait, never)],
      given.attempt,
    )(request({ mutating: true, idempotencyKey: "job-7" }));
    expect(given.seen.map((headers) => headers[metadataKeys.idempotencyKey])).toEqual([
      "job-7",
      "job-7",
    ]);

    const read = attempts(0);
    await applyInterceptors([idempotencyInterceptor], read.attempt)(request());
    expect(read.seen[0]?.[metadataKeys.idempotencyKey]).toBeUndefined();
  });

  it("retries only retryable failures, at most maxAttempts times in all", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        async (failures, maxAttempts, retryable) => {
          const policy = createRetryPolicy({ initialDelay: 0, maxDelay: 0, maxAttempts });
          const run = attempts(failures, () => new ConnectionError("down", { retryable }));
          const call = applyInterceptors([retryInterceptor(policy, never)], run.attempt);
          const allowed = retryable ? maxAttempts : 1;
          if (failures < allowed) {
            await expect(call(request())).resolves.toBe("hello");
            expect(run.seen).toHaveLength(failures + 1);
          } else {
            await expect(call(request())).rejects.toBeInstanceOf(ConnectionError);
            expect(run.seen).toHaveLength(allowed);
          }
        },
      ),
    );
  });

  it("does not retry once the transport is closing, or when the wait would pass the deadline", async () => {
    const closing = attempts(3);
    await expect(
      applyInterceptors([retryInterceptor(noWait, () => true)], closing.attempt)(request()),
    ).rejects.toBeInstanceOf(ConnectionError);
    expect(closing.seen).toHaveLength(1);

    const late = attempts(3);
    const slow = createRetryPolicy({ initialDelay: 10_000, maxDelay: 10_000 });
    await expect(
      applyInterceptors(
        [retryInterceptor(slow, never)],
        late.attempt,
      )(request({ deadline: Date.now() + 1000 })),
    ).rejects.toBeInstanceOf(ConnectionError);
    expect(late.seen).toHaveLength(1);
  });

  it("an aborted signal stops the call with a CancelledError before the next attempt", async () => {
    const controller = new AbortController();
    controller.abort();
    const run = attempts(0);
    await expect(
      applyInterceptors(
        [retryInterceptor(noWait, never)],
        run.attempt,
      )(request({ signal: controller.signal })),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(run.seen).toHaveLength(0);
  });

  it("auth asks the token function before every attempt and sends a bearer token", async () => {
    let issued = 0;
    const run = attempts(1);
    const call = applyInterceptors(
      [
        retryInterceptor(noWait, never),
        authInterceptor(async () => {
          issued += 1;
          return `token-${issued}`;
        }),
      ],
      run.attempt,
    );
    await call(request());
    expect(run.seen.map((headers) => headers[metadataKeys.authorization])).toEqual([
      "Bearer token-1",
      "Bearer token-2",
    ]);
  });

  it("a token function that throws fails the call with an AuthenticationError and is not retried", async () => {
    let calls = 0;
    const run = attempts(0);
    const call = applyInterceptors(
      [
        retryInterceptor(noWait, never),
        authInterceptor(() => {
          calls += 1;
          throw new Error("vault is down");
        }),
      ],
      run.attempt,
    );
    await expect(call(request())).rejects.toBeInstanceOf(AuthenticationError);
    expect(calls).toBe(1);
    expect(run.seen).toHaveLength(0);
  });
});
