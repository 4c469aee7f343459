/**
 * The writer process of the live benchmark: sends benchmark messages at a steady rate
 * (open loop: a slow acknowledgement does not slow the next write) and stamps each one
 * with the moment its write started. Threadline writes are SendTextMessage RPCs from
 * the writing account into its chat with the subscribers' account; NATS writes are
 * core publishes. Started by live-latency.ts with an IPC channel; never run by hand.
 */
import { credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import { MessageServiceDefinition } from "@threadline/protocol";
import { connect, StringCodec } from "nats";
import {
  monotonicMs,
  stampText,
  type WriterCommand,
  type WriterReport,
} from "./live-bench-messages.js";

type WriteCommand = Extract<WriterCommand, { type: "write" }>;

function send(report: WriterReport): void {
  process.send?.(report);
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}

/**
 * Calls `write(index)` `eventsPerSecond` times a second for `durationMs`, on a 2 ms
 * tick that catches up whatever fell due since the last one; resolves when every
 * write has settled.
 */
async function paced(
  command: WriteCommand,
  write: (index: number) => Promise<void>,
): Promise<void> {
  const total = Math.round((command.eventsPerSecond * command.durationMs) / 1000);
  const pending: Promise<void>[] = [];
  const started = monotonicMs();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(
        total,
        Math.floor(((monotonicMs() - started) * command.eventsPerSecond) / 1000) + 1,
      );
      while (sent < due) pending.push(write(command.firstIndex + sent++));
      if (sent >= total) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  await Promise.all(pending);
}

async function writeThreadline(command: WriteCommand): Promise<WriterReport> {
  const Messages = makeGenericClientConstructor(MessageServiceDefinition, "Messages");
  const client = new Messages(command.target.address, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${command.target.writerToken}`);
  const invoke: unknown = Reflect.get(client, "sendTextMessage");
  if (typeof invoke !== "function") throw new Error("no sendTextMessage method");
  const acknowledgements: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  try {
    await paced(
      command,
      (index) =>
        new Promise<void>((resolve) => {
          const started = monotonicMs();
          Reflect.apply(invoke, client, [
            { chatGuid: command.target.chatGuid, text: stampText(index, started) },
            metadata,
            (error: Error | null) => {
              if (error === null) acknowledgements.push(monotonicMs() - started);
              else {
                failed++;
                firstError ??= error.message;
              }
              resolve();
            },
          ]);
        }),
    );
  } finally {
    client.close();
  }
  acknowledgements.sort((left, right) => left - right);
  return {
    type: "written",
    acknowledged: acknowledgements.length,
    failed,
    ackP50Ms: percentile(acknowledgements, 0.5),
    ackP99Ms: percentile(acknowledgements, 0.99),
    firstError,
  };
}

async function writeNats(command: WriteCommand): Promise<WriterReport> {
  const connection = await connect({ servers: command.target.natsServer });
  const codec = StringCodec();
  let published = 0;
  try {
    await paced(command, async (index) => {
      connection.publish(command.subject, codec.encode(stampText(index, monotonicMs())));
      published++;
    });
    await connection.flush();
  } finally {
    await connection.close();
  }
  return {
    type: "written",
    acknowledged: published,
    failed: 0,
    ackP50Ms: 0,
    ackP99Ms: 0,
    firstError: undefined,
  };
}

async function handle(command: WriterCommand): Promise<void> {
  if (command.type === "exit") process.exit(0);
  send(command.system === "nats" ? await writeNats(command) : await writeThreadline(command));
}

let queue = Promise.resolve();
process.on("message", (command: WriterCommand) => {
  queue = queue
    .then(() => handle(command))
    .catch((error: unknown) =>
      send({
        type: "failed",
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
    );
});
process.on("disconnect", () => process.exit(0));
