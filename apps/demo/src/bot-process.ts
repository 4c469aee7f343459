/**
 * The bot: a separate process that runs the production recovery flow from
 * `@threadline/recovery` with a durable SQLite checkpoint, and journals every event
 * it handles. The demo kills it with SIGKILL and starts it again.
 */
import { createClient } from "@threadline/core";
import { messages } from "@threadline/messages";
import { recover } from "@threadline/recovery";
import { createSqliteCheckpointStore } from "@threadline/recovery/sqlite";
import { type BotReport, botConfigVariable, isBotCommand, parseBotConfig } from "./bot-messages.js";
import { replyFor } from "./bot-reply.js";
import { createHandledJournal, openBotDatabase } from "./handled-journal.js";

function report(message: BotReport): void {
  process.send?.(message);
}

// Stands in for other real work (a database write, a call out) on the events that need
// no reply, so that several handlers are genuinely in flight at once.
function work(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
}

async function main(): Promise<void> {
  const config = parseBotConfig(process.env[botConfigVariable]);
  const database = openBotDatabase(config.databasePath);
  const journal = createHandledJournal(database);
  const store = createSqliteCheckpointStore({ database });
  const im = createClient({
    address: config.address,
    token: config.token,
    resources: { messages },
  });
  const initialCheckpoint = (await store.load(config.checkpointKey)) ?? 0;
  const run = journal.startRun(initialCheckpoint);
  const recovery = await recover({
    client: im,
    store,
    key: config.checkpointKey,
    concurrency: config.concurrency,
    window: config.window,
    maxUnsavedEvents: config.maxUnsavedEvents,
    handler: async (event) => {
      const reply = replyFor(event);
      // The reply is the handler's effect. Its key comes from the event's sequence, so
      // if a crash makes the bot handle this event again, the server returns the first
      // reply instead of sending a second one: exactly one reply per message.
      if (reply === undefined) await work();
      else {
        await im.messages.sendText(reply.chat, reply.text, {
          replyTo: reply.replyTo,
          clientMessageId: reply.clientMessageId,
        });
      }
      await journal.record(event.sequence, event.type);
    },
  });
  report({ type: "started", run, initialCheckpoint });
  const sendProgress = () => {
    const progress = recovery.progress();
    report({
      type: "progress",
      handled: progress.handled,
      checkpoint: progress.checkpoint,
      savedCheckpoint: progress.savedCheckpoint,
      inFlight: progress.inFlight,
      duplicatesDropped: progress.duplicatesDropped,
      headSequence: progress.headSequence,
      state: progress.state,
    });
  };
  const ticker = setInterval(sendProgress, 100);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(ticker);
      try {
        await recovery.close();
        sendProgress();
      } finally {
        await im.close();
        await store.close();
        journal.close();
      }
    })();
    return stopping;
  };
  process.on("message", (message: unknown) => {
    if (isBotCommand(message)) {
      stop().then(
        () => process.disconnect?.(),
        (error: unknown) => fail(error),
      );
    }
  });
  // The demo went away without stopping us (it was killed): do not linger as an orphan.
  process.on("disconnect", () => {
    if (stopping === undefined) process.exit(1);
  });
  recovery.done.catch((error: unknown) => fail(error));
}

function fail(error: unknown): void {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  report({ type: "failed", message });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
}

main().catch(fail);
