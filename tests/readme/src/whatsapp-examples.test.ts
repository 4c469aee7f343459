// The README's WhatsApp tour, run as a user would: whatsapp.sh with the built
// threadline-server CLI (numbers and ports swapped for test values), and
// whatsapp-bot.ts against a server whose Graph API is a local stand-in.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { signWebhookBody, startServer } from "@threadline/server";
import { whatsappWebhookPayload } from "@threadline/server/testing";
import { createClient } from "@threadline/whatsapp";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { root } from "./readme-blocks.js";
import { run, startExample } from "./run-example.js";

const cli = `${root}packages/server/bin/threadline-server.js`;
const number = {
  WHATSAPP_PHONE_NUMBER_ID: "106540352242922",
  WHATSAPP_APP_SECRET: "readme-app-secret",
  WHATSAPP_ACCESS_TOKEN: "EAAreadme-token",
  WHATSAPP_VERIFY_TOKEN: "readme-verify",
};

let directory = "";
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "threadline-readme-whatsapp-"));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** The arguments of each `npx threadline-server ...` line, with `$VARS` filled in. */
function commands(): string[][] {
  const snippet = readFileSync(
    fileURLToPath(new URL("../examples/whatsapp.sh", import.meta.url)),
    "utf8",
  );
  return snippet
    .split("\n")
    .filter((line) => line.startsWith("npx threadline-server "))
    .map((line) =>
      line
        .slice("npx threadline-server ".length)
        .split(/\s+/)
        .map((word) => {
          const name = /^"\$(\w+)"$/.exec(word)?.[1];
          return name === undefined ? word : ((number as Record<string, string>)[name] ?? word);
        }),
    );
}

function waitForListening(child: ChildProcess): Promise<{ grpc: string; webhooks: string }> {
  return new Promise((resolve, reject) => {
    let output = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const grpc = /listening on (\S+)/.exec(output)?.[1];
      const webhooks = /WhatsApp webhooks on (\S+)/.exec(output)?.[1];
      if (grpc !== undefined && webhooks !== undefined) resolve({ grpc, webhooks });
    });
    child.on("exit", (code) =>
      reject(new Error(`the server exited (${code}) before listening:\n${output}`)),
    );
  });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    request.on("end", () => resolve(body));
  });
}

function webhook(value: Record<string, unknown>): Buffer {
  return Buffer.from(
    JSON.stringify(whatsappWebhookPayload(number.WHATSAPP_PHONE_NUMBER_ID, { ...value })),
  );
}

describe("README whatsapp.sh, run with the built threadline-server CLI", () => {
  it("registers the number and serves Meta's webhook verification and the number's log", async () => {
    const [add, start] = commands();
    expect(add?.slice(0, 2)).toEqual(["whatsapp", "add"]);
    expect(start?.[0]).toBe("start");
    if (add === undefined || start === undefined) return;
    const added = await run(process.execPath, [cli, ...add], { cwd: directory });
    expect(added.code, added.stderr).toBe(0);
    // The snippet's fixed ports could be taken on a test machine: only they change, to 0.
    const startArguments = start.map((word, index) =>
      start[index - 1] === "--port" || start[index - 1] === "--http-port" ? "0" : word,
    );
    const server = spawn(process.execPath, [cli, ...startArguments], {
      cwd: directory,
      stdio: ["ignore", "ignore", "pipe"],
    });
    try {
      const { grpc, webhooks } = await waitForListening(server);
      const verification = await fetch(
        `${webhooks}?hub.mode=subscribe&hub.verify_token=${number.WHATSAPP_VERIFY_TOKEN}&hub.challenge=1158201444`,
      );
      expect(verification.status).toBe(200);
      expect(await verification.text()).toBe("1158201444");
      const wa = createClient({
        address: grpc,
        phoneNumberId: number.WHATSAPP_PHONE_NUMBER_ID,
        accessToken: number.WHATSAPP_ACCESS_TOKEN,
        appSecret: number.WHATSAPP_APP_SECRET,
      });
      try {
        expect(await wa.events.fetchMissed({})).toMatchObject({ events: [], hasMore: false });
      } finally {
        await wa.close();
      }
      const exited = new Promise<number | null>((resolve) => server.on("exit", resolve));
      server.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      server.kill("SIGKILL");
    }
  });
});

describe("README whatsapp-bot.ts, run against a real server", () => {
  it("replies to each text with replyTo, logs statuses, and resumes after the saved cursor", async () => {
    const replies: unknown[] = [];
    let sent = 0;
    const graph = createServer((request, response) => {
      readBody(request).then((body) => {
        replies.push({ url: request.url, json: JSON.parse(body) });
        sent += 1;
        response.writeHead(200, { "content-type": "application/json" });
        response.end(
          JSON.stringify({
            messaging_product: "whatsapp",
            messages: [{ id: `wamid.REPLY${sent}`, message_status: "accepted" }],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => graph.listen(0, "127.0.0.1", resolve));
    const server = await startServer({
      dataPath: join(directory, "threadline.db"),
      port: 0,
      httpPort: 0,
      logger: false,
      graphApiUrl: `http://127.0.0.1:${(graph.address() as AddressInfo).port}`,
    });
    try {
      await server.whatsappNumbers.register({
        phoneNumberId: number.WHATSAPP_PHONE_NUMBER_ID,
        appSecret: number.WHATSAPP_APP_SECRET,
        accessToken: number.WHATSAPP_ACCESS_TOKEN,
        verifyToken: number.WHATSAPP_VERIFY_TOKEN,
      });
      const post = async (body: Buffer) => {
        const answer = await fetch(`http://127.0.0.1:${server.httpPort}/webhooks/whatsapp`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-hub-signature-256": signWebhookBody(body, number.WHATSAPP_APP_SECRET),
          },
          body,
        });
        expect(answer.status).toBe(200);
      };
      const text = (id: string, body: string) => ({
        from: "4915112345678",
        id,
        timestamp: "1733054000",
        type: "text",
        text: { body },
      });
      await post(
        webhook({
          messages: [text("wamid.README1", "hi"), text("wamid.README2", "are you there?")],
        }),
      );
      await post(
        webhook({
          statuses: [
            {
              id: "wamid.REPLY1",
              status: "delivered",
              timestamp: "1733054010",
              recipient_id: "4915112345678",
            },
          ],
        }),
      );
      const env = { THREADLINE_ADDRESS: server.address, ...number };
      const first = await startExample("whatsapp-bot.ts", directory, env, 3);
      const ended = await first.interrupt();
      expect(ended.stderr).toBe("");
      expect(ended.code).toBe(0);
      expect(ended.stdout).toBe(
        "#1 replied to wamid.README1 with wamid.REPLY1\n#2 replied to wamid.README2 with wamid.REPLY2\n#3 wamid.REPLY1 is delivered\n",
      );
      expect(replies).toEqual([
        {
          url: `/v23.0/${number.WHATSAPP_PHONE_NUMBER_ID}/messages`,
          json: {
            messaging_product: "whatsapp",
            recipient_type: "individual",
            to: "4915112345678",
            type: "text",
            text: { body: "You said: hi" },
            context: { message_id: "wamid.README1" },
          },
        },
        expect.objectContaining({
          json: expect.objectContaining({ text: { body: "You said: are you there?" } }),
        }),
      ]);

      // A new message while the bot is stopped: the next run starts after the saved cursor.
      await post(webhook({ messages: [text("wamid.README3", "still there?")] }));
      const second = await startExample("whatsapp-bot.ts", directory, env, 1);
      const resumed = await second.interrupt();
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toBe("#4 replied to wamid.README3 with wamid.REPLY3\n");
    } finally {
      await server.close({ graceMs: 1000 });
      await new Promise<void>((resolve) => graph.close(() => resolve()));
    }
  });
});

describe("packages/whatsapp README whatsapp-recover.ts, run against a real server", () => {
  it("handles each event once with recoverFrom and resumes from the file checkpoint", async () => {
    const server = await startServer({
      dataPath: join(directory, "threadline.db"),
      port: 0,
      httpPort: 0,
      logger: false,
    });
    try {
      await server.whatsappNumbers.register({
        phoneNumberId: number.WHATSAPP_PHONE_NUMBER_ID,
        appSecret: number.WHATSAPP_APP_SECRET,
        accessToken: number.WHATSAPP_ACCESS_TOKEN,
        verifyToken: number.WHATSAPP_VERIFY_TOKEN,
      });
      const post = async (ids: readonly string[]) => {
        const body = webhook({
          messages: ids.map((id) => ({
            from: "4915112345678",
            id,
            timestamp: "1733054000",
            type: "text",
            text: { body: id },
          })),
        });
        const answer = await fetch(`http://127.0.0.1:${server.httpPort}/webhooks/whatsapp`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-hub-signature-256": signWebhookBody(body, number.WHATSAPP_APP_SECRET),
          },
          body,
        });
        expect(answer.status).toBe(200);
      };
      await post(["wamid.RECOVER1", "wamid.RECOVER2"]);
      const env = { THREADLINE_ADDRESS: server.address, ...number };
      const first = await startExample("whatsapp-recover.ts", directory, env, 2);
      const ended = await first.interrupt();
      expect(ended.stderr).toBe("");
      expect(ended.code).toBe(0);
      expect(ended.stdout).toBe("handling #1 message\nhandling #2 message\n");

      await post(["wamid.RECOVER3"]);
      const second = await startExample("whatsapp-recover.ts", directory, env, 1);
      const resumed = await second.interrupt();
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toBe("handling #3 message\n");
    } finally {
      await server.close({ graceMs: 1000 });
    }
  });
});
