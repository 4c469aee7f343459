/**
 * `pnpm demo --channel whatsapp`: a simulated Meta posts signed webhooks (several
 * content variants and status progressions) to the embedded server's HTTP port; a bot
 * subscribes from its saved checkpoint, is killed with SIGKILL mid-run, resumes, and
 * replies through a local Graph API stand-in; a verification table shows what arrived.
 */
import { type ChildProcess, fork } from "node:child_process";
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
import type { DemoOptions } from "./demo-flags.js";

const botEntry = fileURLToPath(new URL("./whatsapp-bot-process.js", import.meta.url));
const number = {
  phoneNumberId: "106540352242922",
  accessToken: "EAAdemo-access-token",
  appSecret: "demo-app-secret",
  verifyToken: "demo-verify",
};
const customer = "4915112345678";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    request.on("end", () => resolve(body));
  });
}

/** The events of webhook round `round`: five message variants and a status progression. */
function round(roundNumber: number): { messages: unknown[]; statuses: unknown[] } {
  const at = String(1733070000 + roundNumber);
  const id = (kind: string) => `wamid.DEMO${roundNumber}-${kind}`;
  const from = customer;
  return {
    messages: [
      {
        from,
        id: id("text"),
        timestamp: at,
        type: "text",
        text: { body: `order ${roundNumber}?` },
      },
      {
        from,
        id: id("image"),
        timestamp: at,
        type: "image",
        image: { id: `77${roundNumber}`, mime_type: "image/jpeg" },
      },
      {
        from,
        id: id("location"),
        timestamp: at,
        type: "location",
        location: { latitude: 52.52, longitude: 13.405 },
      },
      {
        from,
        id: id("reaction"),
        timestamp: at,
        type: "reaction",
        reaction: { message_id: id("text"), emoji: "👍" },
      },
      {
        from,
        id: id("button"),
        timestamp: at,
        type: "interactive",
        interactive: { type: "button_reply", button_reply: { id: "yes", title: "Yes" } },
      },
    ],
    statuses: ["sent", "delivered", "read"].map((status, index) => ({
      id: `wamid.OUT${roundNumber}`,
      status,
      timestamp: String(Number(at) + index),
      recipient_id: customer,
    })),
  };
}
const eventsPerRound = 8;

function webhook(value: Record<string, unknown>): Buffer {
  return Buffer.from(
    JSON.stringify(
      whatsappWebhookPayload(number.phoneNumberId, {
        contacts: [{ profile: { name: "Kim Customer" }, wa_id: customer }],
        ...value,
      }),
    ),
  );
}

function handledLines(journal: string): [number, number][] {
  let text = "";
  try {
    text = readFileSync(journal, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [pid, sequence] = line.split(" ").map(Number);
      return [pid ?? 0, sequence ?? 0];
    });
}

/**
 * Runs the WhatsApp scene; resolves with the exit code: 0 when no event was lost and no
 * reply was sent twice, 1 when a check failed, 2 when the scene could not run.
 */
export async function runWhatsAppScene(options: DemoOptions): Promise<number> {
  const started = Date.now();
  const directory = await mkdtemp(join(tmpdir(), "threadline-demo-whatsapp-"));
  const replies: string[] = [];
  const graph = createServer((request, response) => {
    readBody(request).then((body) => {
      const json = JSON.parse(body === "" ? "{}" : body) as { context?: { message_id?: string } };
      replies.push(json.context?.message_id ?? "");
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          messaging_product: "whatsapp",
          messages: [{ id: `wamid.REPLY${replies.length}`, message_status: "accepted" }],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => graph.listen(0, "127.0.0.1", resolve));
  const server = await startServer({
    dataPath: join(directory, "threadline.db"),
    port: 0,
    httpPort: 0,
    host: "127.0.0.1",
    logger: false,
    graphApiUrl: `http://127.0.0.1:${(graph.address() as AddressInfo).port}`,
  });
  const journal = join(directory, "handled.log");
  const children: ChildProcess[] = [];
  const startBot = () => {
    const child = fork(botEntry, [], {
      env: {
        ...process.env,
        THREADLINE_WHATSAPP_BOT: JSON.stringify({
          address: server.address,
          ...number,
          checkpoints: join(directory, "checkpoints"),
          journal,
          concurrency: options.concurrency,
        }),
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    children.push(child);
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
      child.on("exit", (code, signal) => resolve(signal ?? code));
    });
    return { child, exited };
  };
  try {
    await server.whatsappNumbers.register(number);
    const rounds = Math.ceil(options.events / eventsPerRound);
    let accepted = 0;
    let rejected = 0;
    const post = async (body: Buffer) => {
      const answer = await fetch(`http://127.0.0.1:${server.httpPort}/webhooks/whatsapp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-hub-signature-256": signWebhookBody(body, number.appSecret),
        },
        body,
      });
      await answer.text();
      if (answer.status === 200) accepted += 1;
      else rejected += 1;
    };
    process.stdout.write(
      `WhatsApp scene: ${rounds} rounds of webhooks (text, image, location, reaction, button reply; sent → delivered → read) to ${server.httpPort}\n`,
    );
    // Simulated Meta: webhooks keep coming, before, during and after the crash.
    const meta = (async () => {
      for (let index = 1; index <= rounds; index++) {
        const { messages, statuses } = round(index);
        await post(webhook({ messages }));
        await post(webhook({ statuses }));
        if (index % 10 === 0) await sleep(5);
      }
    })();
    const total = rounds * eventsPerRound;
    const distinct = () => new Set(handledLines(journal).map(([, sequence]) => sequence)).size;
    const waitFor = async (condition: () => boolean, child: ChildProcess) => {
      while (!condition()) {
        if (child.exitCode !== null) throw new Error(`the bot exited with ${child.exitCode}`);
        await sleep(20);
      }
    };
    const first = startBot();
    let killedAt: number | undefined;
    if (options.crash) {
      const crashAt = Math.min(options.crashAt, total - 1);
      await waitFor(() => handledLines(journal).length >= crashAt, first.child);
      first.child.kill("SIGKILL");
      await first.exited;
      killedAt = handledLines(journal).length;
      process.stdout.write(`bot ${first.child.pid} killed with SIGKILL after ${killedAt} events\n`);
    }
    const second = options.crash ? startBot() : first;
    await meta;
    await waitFor(() => distinct() >= total, second.child);
    second.child.kill("SIGTERM");
    await second.exited;

    const head = (
      await (async () => {
        const wa = createClient({ address: server.address, ...number });
        try {
          let cursor = "";
          let count = 0;
          for (;;) {
            const page = await wa.events.fetchMissed({ cursor, limit: 1000 });
            count += page.events.length;
            cursor = page.cursor;
            if (!page.hasMore) return { count };
          }
        } finally {
          await wa.close();
        }
      })()
    ).count;
    const lines = handledLines(journal);
    const handled = new Set(lines.map(([, sequence]) => sequence));
    let lost = 0;
    for (let sequence = 1; sequence <= head; sequence++) if (!handled.has(sequence)) lost += 1;
    const twiceInProcess = (() => {
      const seen = new Set<string>();
      let repeats = 0;
      for (const [pid, sequence] of lines) {
        const key = `${pid}:${sequence}`;
        if (seen.has(key)) repeats += 1;
        seen.add(key);
      }
      return repeats;
    })();
    const repliedTo = new Set(replies);
    const rows: [string, string, string][] = [
      ["webhooks accepted", String(accepted), `${rounds * 2} posted, ${rejected} refused`],
      ["events in the number's log", String(head), `${total} expected`],
      ["events delivered to the bot", String(handled.size), ""],
      ["events lost", String(lost), "must be 0"],
      ["handled twice by one process", String(twiceInProcess), "must be 0"],
      ["handled again after the SIGKILL", String(lines.length - handled.size), "the unsaved tail"],
      ["replies sent", String(repliedTo.size), `${rounds} texts`],
      ["replies sent twice", String(replies.length - repliedTo.size), "must be 0"],
    ];
    const width = Math.max(...rows.map(([what]) => what.length));
    process.stdout.write("\n");
    for (const [what, value, note] of rows) {
      process.stdout.write(`  ${what.padEnd(width)}  ${value.padStart(6)}  ${note}\n`);
    }
    const ok =
      lost === 0 &&
      twiceInProcess === 0 &&
      replies.length === repliedTo.size &&
      repliedTo.size === rounds &&
      head === total &&
      rejected === 0;
    process.stdout.write(
      `\n${ok ? "PASS" : "FAIL"}: WhatsApp scene in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`the WhatsApp scene could not run: ${String(error)}\n`);
    return 2;
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    await server.close({ graceMs: 1000 });
    await new Promise<void>((resolve) => graph.close(() => resolve()));
    await rm(directory, { recursive: true, force: true });
  }
}
