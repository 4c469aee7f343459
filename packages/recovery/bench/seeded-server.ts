/**
 * Benchmark helper run as its own process, so the server does not share an event
 * loop with the client being measured: starts a server on a temporary SQLite file,
 * appends `count` message events to one account's log in large transactions, prints
 * `{ address, token, count }` as one JSON line, and shuts down when stdin ends.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "@threadline/server";

const count = Number(process.argv[2] ?? "100000");
const directory = mkdtempSync(join(tmpdir(), "threadline-recovery-bench-"));
const server = await startServer({
  dataPath: join(directory, "threadline.db"),
  port: 0,
  host: "127.0.0.1",
  logger: false,
});
const { account, token } = await server.accounts.create(["bench@example.com"]);
const seconds = Math.floor(Date.now() / 1000);
const peer = "any;-;peer@example.com";
for (let written = 0; written < count; ) {
  const batch = Math.min(10_000, count - written);
  await server.store.write((context) => {
    for (let offset = 1; offset <= batch; offset++) {
      const number = written + offset;
      context.appendEvent(account.id, {
        kind: "message",
        event: {
          chatGuid: peer,
          occurredAt: { seconds, nanos: 0 },
          isFromMe: false,
          actor: { address: "peer@example.com", service: 1 },
          messageReceived: {
            message: {
              guid: `recovery-bench-${number}`,
              content: { text: `recovery benchmark event ${number}` },
              dateCreated: { seconds, nanos: 0 },
              sender: { address: "peer@example.com", service: 1 },
              chatGuids: [peer],
            },
          },
        },
      });
    }
  });
  written += batch;
}
process.stdout.write(`${JSON.stringify({ address: server.address, token, count })}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  void server.close().finally(() => {
    rmSync(directory, { recursive: true, force: true });
    process.exit(0);
  });
});
