import {
  InterceptingCall,
  type Interceptor,
  type InterceptorOptions,
  Metadata,
  type NextCall,
  status,
} from "@grpc/grpc-js";
import { ChatServiceDefinition, photon } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../src/index.js";
import { startFixture } from "./fixture.js";

interface Attempt {
  readonly path: string;
  readonly idempotencyKey: string | undefined;
}

/**
 * A client interceptor that records every attempt and makes the first `failures` calls
 * fail with UNAVAILABLE before they reach the server, as a dropped connection would.
 */
function flakyNetwork(failures: number) {
  const attempts: Attempt[] = [];
  let remaining = failures;
  const interceptor: Interceptor = (options: InterceptorOptions, nextCall: NextCall) => {
    let injected = false;
    return new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        const key = metadata.get("x-idempotency-key")[0];
        attempts.push({ path: options.method_definition.path, idempotencyKey: key?.toString() });
        if (remaining > 0) {
          remaining -= 1;
          injected = true;
          listener.onReceiveStatus({
            code: status.UNAVAILABLE,
            details: "injected failure",
            metadata: new Metadata(),
          });
          return;
        }
        next(metadata, listener);
      },
      sendMessage(message, next) {
        if (!injected) next(message);
      },
      halfClose(next) {
        if (!injected) next();
      },
    });
  };
  return { attempts, interceptor };
}

const createChatRequest = {
  addresses: ["bob@example.com"],
  service: photon.imessage.v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE,
  initialMessage: { text: "hello" },
};

describe("unary retries", () => {
  it("retries UNAVAILABLE with the same idempotency key, and the write happens once", async () => {
    await using fixture = await startFixture();
    const network = flakyNetwork(2);
    const im = fixture.client({
      channelOptions: { interceptors: [network.interceptor] },
      retry: { initialDelay: 1, maxDelay: 5 },
    });
    const created = await im.context.unary(ChatServiceDefinition.createChat, createChatRequest, {
      mutating: true,
    });
    const createAttempts = network.attempts.filter((attempt) =>
      attempt.path.endsWith("/CreateChat"),
    );
    expect(createAttempts).toHaveLength(3);
    const keys = new Set(createAttempts.map((attempt) => attempt.idempotencyKey));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^[0-9a-f-]{36}$/);
    // Exactly one message.received in the log: the retries did not write twice.
    let received = 0;
    for await (const event of im.events.catchUp())
      if (event.type === "message.received") received++;
    expect(received).toBe(1);
    expect(created.chat?.guid).toBe("any;-;bob@example.com");

    // A new logical call gets a new key.
    await im.context.unary(ChatServiceDefinition.createChat, createChatRequest, { mutating: true });
    const later = network.attempts.filter((attempt) => attempt.path.endsWith("/CreateChat")).at(-1);
    expect(later?.idempotencyKey).not.toBe([...keys][0]);
  });

  it("gives up after maxAttempts with a retryable ConnectionError", async () => {
    await using fixture = await startFixture();
    const network = flakyNetwork(10);
    const im = fixture.client({
      channelOptions: { interceptors: [network.interceptor] },
      retry: { maxAttempts: 3, initialDelay: 1, maxDelay: 5 },
    });
    await expect(
      im.context.unary(ChatServiceDefinition.getChat, { chatGuid: "any;-;bob@example.com" }),
    ).rejects.toMatchObject({
      name: "ConnectionError",
      retryable: true,
      grpcCode: status.UNAVAILABLE,
    });
    expect(network.attempts).toHaveLength(3);
    expect(network.attempts.every((attempt) => attempt.idempotencyKey === undefined)).toBe(true);
  });

  it("does not retry failures that are not retryable", async () => {
    await using fixture = await startFixture();
    const network = flakyNetwork(0);
    const im = fixture.client({ channelOptions: { interceptors: [network.interceptor] } });
    await expect(
      im.context.unary(ChatServiceDefinition.getChat, { chatGuid: "any;-;nobody@example.com" }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(network.attempts).toHaveLength(1);
  });

  it("the same idempotency key with different parameters is a ConflictError", async () => {
    await using fixture = await startFixture();
    const im = fixture.client();
    await im.context.unary(ChatServiceDefinition.createChat, createChatRequest, {
      mutating: true,
      idempotencyKey: "key-1",
    });
    const reused = im.context.unary(
      ChatServiceDefinition.createChat,
      { ...createChatRequest, initialMessage: { text: "different" } },
      { mutating: true, idempotencyKey: "key-1" },
    );
    await expect(reused).rejects.toBeInstanceOf(ConflictError);
    await expect(reused).rejects.toMatchObject({
      code: "IDEMPOTENCY_KEY_REUSED",
      retryable: false,
    });
  });
});
