import {
  ChatServiceDefinition as Chat,
  MessageServiceDefinition as Messages,
} from "@threadline/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AccountClient, connectAccount, failureOf } from "./domain-client.js";
import { type DomainTestServer, startDomainTestServer } from "./domain-fixture.js";

let server: DomainTestServer;
let alice: AccountClient;
let bob: AccountClient;
const chatGuid = "any;-;bob@example.com";

beforeAll(async () => {
  server = await startDomainTestServer();
  alice = connectAccount(server.address, (await server.createAccount(["alice@example.com"])).token);
  bob = connectAccount(server.address, (await server.createAccount(["bob@example.com"])).token);
  await alice.call(Chat.createChat, { addresses: ["bob@example.com"] });
});

afterAll(async () => {
  alice.close();
  bob.close();
  await server.close();
});

interface Send {
  readonly key: number | null;
  readonly via: "field" | "header";
  readonly text: "a" | "b";
}

const send = fc.record({
  key: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
  via: fc.constantFrom("field" as const, "header" as const),
  text: fc.constantFrom("a" as const, "b" as const),
});

let run = 0;

describe("idempotent SendTextMessage under concurrent retries", () => {
  it("stores each key once, replays the first result, and refuses a changed request", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(send, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        async (batches) => {
          run += 1;
          const head = (await bob.catchUp()).length;
          const outcomes: { send: Send; guid?: string; text?: string; errorCode?: string }[] = [];
          for (const batch of batches) {
            // Requests of one batch race each other into the same group commit.
            const results = await Promise.all(
              batch.map(async (each) => {
                const key = each.key === null ? undefined : `run-${run}-key-${each.key}`;
                const request = {
                  chatGuid,
                  text: each.text,
                  ...(key !== undefined && each.via === "field" ? { clientMessageId: key } : {}),
                };
                const options =
                  key !== undefined && each.via === "header" ? { idempotencyKey: key } : {};
                try {
                  const response = await alice.call(Messages.sendTextMessage, request, options);
                  return {
                    send: each,
                    guid: response.message.guid,
                    text: response.message.content.text ?? "",
                  };
                } catch (error) {
                  return { send: each, errorCode: failureOf(error).errorCode ?? "NO_ERROR_CODE" };
                }
              }),
            );
            outcomes.push(...results);
          }

          const firstByKey = new Map<number, { guid: string; text: string }>();
          let unkeyed = 0;
          for (const outcome of outcomes) {
            if (outcome.guid === undefined) continue;
            expect(outcome.text).toBe(outcome.send.text);
            if (outcome.send.key === null) {
              unkeyed += 1;
              continue;
            }
            const first = firstByKey.get(outcome.send.key);
            if (first === undefined)
              firstByKey.set(outcome.send.key, { guid: outcome.guid, text: outcome.text ?? "" });
            else expect(outcome.guid).toBe(first.guid);
          }
          for (const outcome of outcomes) {
            if (outcome.errorCode === undefined) continue;
            expect(outcome.errorCode).toBe("IDEMPOTENCY_KEY_REUSED");
            const key = outcome.send.key;
            expect(key).not.toBeNull();
            if (key !== null) expect(firstByKey.get(key)?.text).not.toBe(outcome.send.text);
          }
          const received = (await bob.catchUp(head)).filter(
            (event) => event.messageChanged?.messageReceived,
          );
          expect(received).toHaveLength(unkeyed + firstByKey.size);
        },
      ),
      { numRuns: 25 },
    );
  });
});
