/**
 * Benchmark helper, run as a separate process: starts a Threadline server on a temporary
 * SQLite file, seeds `count` message events into one account's log, prints
 * `{ address, token, count }` as one JSON line, and closes when stdin ends.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "@threadline/server";

const count = Number(process.argv[2] ?? "50000");
const directory = mkdtempSync(join(tmpdir(), "threadline-core-bench-"));
const server = await startServer({
  dataPath: join(directory, "threadline.db"),
  port: 0,
  host: "127.0.0.1",
  logger: false,
});
const { account, token } = await server.accounts.create(["bench@example.com"]);
const seconds = Math.floor(Date.now() / 1000);
for (let written = 0; written < count; ) {
  const chunk = Math.min(5000, count - written);
  await server.store.write((context) => {
    for (let index = 0; index < chunk; index++) {
      const number = written + index + 1;
      context.appendEvent(account.id, {
        kind: "message",
        event: {
          chatGuid: "any;-;friend@example.com",
          occurredAt: { seconds, nanos: 0 },
          isFromMe: false,
          actor: { address: "friend@example.com", service: 1 },
          messageReceived: {
            message: {
              guid: `bench-${number}`,
              content: { text: `benchmark message number ${number}` },
              dateCreated: { seconds, nanos: 0 },
              sender: { address: "friend@example.com", service: 1 },
              chatGuids: ["any;-;friend@example.com"],
            },
          },
        },
      });
    }
  });
  written += chunk;
}
process.stdout.write(`${JSON.stringify({ address: server.address, token, count })}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  void server.close().finally(() => {
    rmSync(directory, { recursive: true, force: true });
    process.exit(0);
  });
});
