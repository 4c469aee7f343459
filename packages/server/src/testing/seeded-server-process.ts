/**
 * Entry point of the child process that {@link startSeededServerProcess} starts: a test
 * server with one account whose log holds `argv[2]` seeded messages. It prints
 * `{ address, token }` as one JSON line and shuts down when its stdin ends.
 */
import { startTestServer } from "../testing.js";
import { seedReceivedMessages } from "./seed-received-messages.js";

const count = Number(process.argv[2]);
const server = await startTestServer();
const { account, token } = await server.accounts.create(["seeded@example.com"]);
await seedReceivedMessages(server.server, account.id, count);
process.stdout.write(`${JSON.stringify({ address: server.address, token })}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  void server.close().finally(() => process.exit(0));
});
