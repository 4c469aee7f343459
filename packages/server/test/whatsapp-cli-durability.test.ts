import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type photon, WhatsAppMessageServiceDefinition } from "@threadline/protocol";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signWebhookBody } from "../src/whatsapp/webhook-signature.js";
import { businessNumberId, webhookBody } from "./fixtures/whatsapp-webhooks.js";
import {
  assertCliBuilt,
  runCli,
  type ServerProcess,
  startServerProcess,
} from "./support/cli-process.js";
import { createRawClient } from "./support/grpc-client.js";
import { credentials, numberMetadata } from "./support/whatsapp-harness.js";

let directory: string;
let dataPath: string;
const started: ServerProcess[] = [];
const secrets = [
  credentials.main.accessToken,
  credentials.main.appSecret,
  credentials.main.verifyToken,
];

beforeAll(() => {
  assertCliBuilt();
});
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "threadline-whatsapp-cli-"));
  dataPath = join(directory, "threadline.db");
});
afterEach(async () => {
  for (const server of started.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null)
      server.child.kill("SIGKILL");
    await server.exited;
  }
  await rm(directory, { recursive: true, force: true });
});

function addMain() {
  return runCli([
    "whatsapp",
    "add",
    "--phone-number-id",
    credentials.main.phoneNumberId,
    "--app-secret",
    credentials.main.appSecret,
    "--access-token",
    credentials.main.accessToken,
    "--verify-token",
    credentials.main.verifyToken,
    "--data",
    dataPath,
  ]);
}

async function start(): Promise<{ server: ServerProcess; webhookUrl: string }> {
  const server = await startServerProcess(["--data", dataPath, "--port", "0", "--http-port", "0"]);
  started.push(server);
  const url = /WhatsApp webhooks on (http:\/\/\S+)/.exec(server.stderr())?.[1];
  if (url === undefined)
    throw new Error(`the server did not print its webhook URL:\n${server.stderr()}`);
  return { server, webhookUrl: url };
}

async function postSigned(url: string, payload: unknown): Promise<number> {
  const body = Buffer.from(JSON.stringify(payload));
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-hub-signature-256": signWebhookBody(body, credentials.main.appSecret),
    },
    body,
  });
  await response.text();
  return response.status;
}

async function fetchAll(address: string): Promise<photon.whatsapp.v1.Event[]> {
  const client = createRawClient(address, WhatsAppMessageServiceDefinition, undefined);
  try {
    const response = await client.unary<photon.whatsapp.v1.FetchMissedEventsResponse>(
      "fetchMissedEvents",
      { limit: 1000 },
      numberMetadata(credentials.main),
    );
    return response.events;
  } finally {
    client.close();
  }
}

function message(index: number) {
  return {
    from: "4915112345678",
    id: `wamid.DURABLE${index}`,
    timestamp: "1733053000",
    type: "text",
    text: { body: `n${index}` },
  };
}

describe("threadline-server whatsapp commands", () => {
  it("add registers a number, list shows it without secrets, remove deletes it", async () => {
    const added = await addMain();
    expect(added.code).toBe(0);
    const listed = await runCli(["whatsapp", "list", "--data", dataPath]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(businessNumberId);
    const duplicate = await addMain();
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain("already registered");
    const missing = await runCli([
      "whatsapp",
      "add",
      "--phone-number-id",
      "123",
      "--data",
      dataPath,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--app-secret");
    const malformed = await runCli([
      "whatsapp",
      "add",
      "--phone-number-id",
      "not-digits",
      "--app-secret",
      "s",
      "--access-token",
      "t",
      "--verify-token",
      "v",
      "--data",
      dataPath,
    ]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain("phone_number_id must be");
    for (const output of [added, listed, duplicate, missing, malformed]) {
      for (const secret of secrets) {
        expect(output.stdout + output.stderr).not.toContain(secret);
      }
    }
    expect(
      (
        await runCli([
          "whatsapp",
          "remove",
          "--phone-number-id",
          businessNumberId,
          "--data",
          dataPath,
        ])
      ).code,
    ).toBe(0);
    const gone = await runCli([
      "whatsapp",
      "remove",
      "--phone-number-id",
      businessNumberId,
      "--data",
      dataPath,
    ]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("not registered");
    expect((await runCli(["whatsapp", "list", "--data", dataPath])).stdout).not.toContain(
      businessNumberId,
    );
  });
});

describe("webhook durability", () => {
  it("an event acknowledged with 200 survives kill -9, and its redelivery adds nothing", async () => {
    expect((await addMain()).code).toBe(0);
    const first = await start();
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        postSigned(first.webhookUrl, webhookBody(businessNumberId, { messages: [message(index)] })),
      ),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
    // Every POST above was answered 200; kill the process without any chance to flush.
    first.server.child.kill("SIGKILL");
    expect(await first.server.exited).toBe("SIGKILL");

    const second = await start();
    const events = await fetchAll(second.server.address);
    expect(events.map((event) => event.message?.id).sort()).toEqual(
      Array.from({ length: 20 }, (_, index) => `wamid.DURABLE${index}`).sort(),
    );
    // Meta redelivers what it is unsure about: nothing is added twice.
    expect(
      await postSigned(
        second.webhookUrl,
        webhookBody(businessNumberId, { messages: [message(3), message(7)] }),
      ),
    ).toBe(200);
    expect(await fetchAll(second.server.address)).toHaveLength(20);
    for (const secret of secrets) {
      expect(
        first.server.stderr() +
          first.server.stdout() +
          second.server.stderr() +
          second.server.stdout(),
      ).not.toContain(secret);
    }
  });

  it("a refused webhook is logged with its reason, never with the body or a secret", async () => {
    expect((await addMain()).code).toBe(0);
    const { server, webhookUrl } = await start();
    const body = JSON.stringify(webhookBody(businessNumberId, { messages: [message(99)] }));
    const response = await fetch(webhookUrl, {
      method: "POST",
      headers: { "x-hub-signature-256": signWebhookBody(Buffer.from(body), "wrong-secret") },
      body,
    });
    expect(response.status).toBe(401);
    await response.text();
    await new Promise<void>((resolve) => {
      const check = () =>
        /bad_signature/.test(server.stdout()) ? resolve() : setTimeout(check, 10);
      check();
    });
    expect(server.stdout()).not.toContain("wamid.DURABLE99");
    for (const secret of secrets) expect(server.stdout()).not.toContain(secret);
  });
});
