import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@threadline/core";
import { startServer, type ThreadlineServer } from "@threadline/server";
import { type ActivityStats, runActivity } from "./activity.js";
import type { BotConfig } from "./bot-messages.js";
import { asksForReply, isBotReply } from "./bot-reply.js";
import { type BotHandle, type BotProgress, startBot } from "./bot-supervisor.js";
import { type Cast, createEmbeddedCast, createRemoteCast } from "./cast.js";
import type { DemoOptions } from "./demo-flags.js";
import { readJournal } from "./handled-journal.js";
import { createProgressDisplay } from "./progress-display.js";
import { formatVerification, verify } from "./verification.js";

const checkpointKey = "demo-bot";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 50 ms until it holds or `timeoutMs` passes; resolves whether it held. */
async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

function describeActions(stats: ActivityStats): string {
  return Object.entries(stats.actions)
    .sort((left, right) => right[1] - left[1])
    .map(([name, count]) => `${count} ${name}`)
    .join(", ");
}

/**
 * Runs the whole demo and resolves with the process exit code: 0 when every check of
 * the verification held, 1 when one failed (an event lost, too many handled twice,
 * the checkpoint short of the head), 2 when the demo could not run to the end.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const started = Date.now();
  const display = createProgressDisplay();
  const directory = await mkdtemp(join(tmpdir(), "threadline-demo-"));
  let server: ThreadlineServer | undefined;
  let cast: Cast | undefined;
  let bot: BotHandle | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    let address: string;
    if (options.remote === undefined) {
      server = await startServer({
        dataPath: join(directory, "threadline.db"),
        port: 0,
        host: "127.0.0.1",
        logger: false,
      });
      address = server.address;
      display.note(
        `server     embedded @threadline/server on ${address}, SQLite ${join(directory, "threadline.db")}`,
      );
      cast = await createEmbeddedCast(server);
    } else {
      address = options.remote.address;
      display.note(`server     ${address} (THREADLINE_ADDRESS / --address)`);
      cast = await createRemoteCast(address, options.remote.token);
    }
    const activeCast = cast;
    for (const line of activeCast.description) display.note(line);
    const monitor = createClient({ address, token: activeCast.botToken });
    cleanups.push(() => monitor.close());
    const initialHead = (await monitor.events.getLogInfo()).headSequence;
    const targetHead = initialHead + options.events;
    const window = Math.max(32, options.concurrency * 4);
    const config: BotConfig = {
      address,
      token: activeCast.botToken,
      databasePath: join(directory, "bot.db"),
      checkpointKey,
      concurrency: options.concurrency,
      window,
      maxUnsavedEvents: window,
    };
    display.note(
      `recovery   @threadline/recovery recover(), SQLite checkpoint ${config.databasePath}, concurrency ${options.concurrency}, window ${window}`,
    );
    display.note(
      options.crash
        ? `plan       ${options.events} events; SIGKILL the bot after it handled ${options.crashAt}, restart it while activity goes on`
        : `plan       ${options.events} events; no crash (--no-crash)`,
    );
    display.note("");

    let head = initialHead;
    let activityStopped = false;
    const headPoller = setInterval(() => {
      monitor.events.getLogInfo().then(
        (info) => {
          head = Math.max(head, info.headSequence);
        },
        () => undefined,
      );
    }, 50);
    cleanups.push(async () => clearInterval(headPoller));
    const eventsPerSecond = Math.min(400, Math.max(40, options.events / 20));
    const activity = runActivity(
      activeCast.actors,
      eventsPerSecond,
      () => activityStopped || head >= targetHead,
    );

    let run = 1;
    let phase = "running";
    let unexpectedExit: string | undefined;
    let loadedCheckpoint: number | undefined;
    const redraw = () =>
      display.update({ run, bot: bot?.progress(), head, phase, loadedCheckpoint });
    const redrawer = setInterval(redraw, 100);
    cleanups.push(async () => clearInterval(redrawer));

    const launch = async (): Promise<BotHandle> => {
      loadedCheckpoint = undefined;
      const handle = startBot(config);
      let expected = false;
      handle.exited.then((exit) => {
        if (!expected && handle === bot) {
          unexpectedExit = `bot #${run} exited on its own (${exit.signal ?? `code ${exit.code}`})${exit.failure ? `: ${exit.failure}` : ""}`;
        }
      });
      const originalKill = handle.kill.bind(handle);
      const originalStop = handle.stop.bind(handle);
      const guarded: BotHandle = {
        ...handle,
        kill: () => {
          expected = true;
          return originalKill();
        },
        stop: (timeoutMs) => {
          expected = true;
          return originalStop(timeoutMs);
        },
      };
      bot = guarded;
      const info = await handle.started;
      loadedCheckpoint = info.initialCheckpoint;
      display.note(
        `bot #${info.run} started (pid ${handle.pid}): loaded checkpoint ${info.initialCheckpoint} from SQLite, head is ${head}`,
      );
      return guarded;
    };

    let crashes = 0;
    let catchUp: { events: number; milliseconds: number } | undefined;
    let catchUpWatch: Promise<void> = Promise.resolve();
    let current = await launch();
    if (options.crash) {
      const reached = await waitFor(
        () => unexpectedExit !== undefined || (current.progress()?.handled ?? 0) >= options.crashAt,
        120_000,
      );
      if (!reached || unexpectedExit !== undefined) {
        throw new Error(
          unexpectedExit ?? `bot #1 did not handle ${options.crashAt} events within 120 s`,
        );
      }
      const before: BotProgress | undefined = current.progress();
      await current.kill();
      crashes++;
      phase = "killed";
      display.note(
        `SIGKILL    bot #1 (pid ${current.pid}) killed after handling ${before?.handled ?? 0}: checkpoint ${before?.checkpoint ?? 0}, last saved ${before?.savedCheckpoint ?? 0}, ${before?.inFlight ?? 0} in flight; activity goes on`,
      );
      const headAtKill = head;
      await waitFor(
        () =>
          head >= Math.min(targetHead, headAtKill + Math.max(10, Math.floor(options.events / 10))),
        3000,
      );
      display.note(`down       ${head - headAtKill} events written while no bot was running`);
      run = 2;
      phase = "running";
      const restartedAt = Date.now();
      current = await launch();
      const backlogHead = head;
      const loaded = (await current.started).initialCheckpoint;
      catchUpWatch = waitFor(
        () => (current.progress()?.checkpoint ?? 0) >= backlogHead,
        120_000,
      ).then((done) => {
        if (!done) return;
        catchUp = { events: backlogHead - loaded, milliseconds: Date.now() - restartedAt };
        display.note(
          `caught up  bot #2 worked off its backlog (${catchUp.events} events, up to head ${backlogHead}) ${(catchUp.milliseconds / 1000).toFixed(1)} s after restarting`,
        );
      });
    }

    const stats = await activity;
    activityStopped = true;
    let finalHead = (await monitor.events.getLogInfo()).headSequence;
    head = finalHead;
    display.note(`activity   done: ${describeActions(stats)}; head ${finalHead}`);
    if (stats.rejected > 0) {
      display.note(
        `           ${stats.rejected} writes were rejected; first: ${stats.firstRejection ?? ""}`,
      );
    }
    // The bot's replies are events of its own log, so the head moves while it drains.
    // Once the checkpoint passes a head, every reply to an event up to it is committed
    // (a handler completes only after its reply); replies ask for nothing, so the head
    // stops moving after at most one more round.
    let drained = false;
    for (;;) {
      const target = finalHead;
      drained = await waitFor(
        () => unexpectedExit !== undefined || (current.progress()?.checkpoint ?? 0) >= target,
        60_000,
      );
      if (!drained || unexpectedExit !== undefined) break;
      finalHead = (await monitor.events.getLogInfo()).headSequence;
      head = finalHead;
      if (finalHead === target) break;
    }
    if (unexpectedExit !== undefined) throw new Error(unexpectedExit);
    if (!drained)
      display.note(`timeout    bot #${run} did not reach head ${finalHead} within 60 s`);
    else await catchUpWatch;
    await current.stop(10_000);
    phase = "stopped";
    redraw();
    clearInterval(redrawer);
    display.finish();
    display.note(`stop       bot #${run} closed its recovery (final checkpoint saved) and exited`);

    const logSequences: number[] = [];
    const logTypes = new Map<number, string>();
    const asked: string[] = [];
    const replyTargets: string[] = [];
    for await (const event of monitor.events.catchUp(0)) {
      if (event.type === "catchup.complete") break;
      logSequences.push(event.sequence);
      logTypes.set(event.sequence, event.type);
      if (asksForReply(event)) asked.push(event.message.guid);
      if (event.type === "message.received" && isBotReply(event.message)) {
        replyTargets.push(event.message.replyTargetGuid ?? "");
      }
    }
    display.note(
      `replies    the bot answered ${new Set(replyTargets).size} of ${asked.length} messages addressed to it with threaded replies`,
    );
    const verification = verify({
      logSequences,
      logTypes,
      head: finalHead,
      journal: readJournal(config.databasePath, checkpointKey),
      crashes,
      window,
      maxUnsavedEvents: config.maxUnsavedEvents,
      wallTimeMs: Date.now() - started,
      ...(catchUp === undefined ? {} : { catchUp }),
      replies: { asked, replyTargets },
    });
    display.note("");
    display.note("Verification");
    display.note(formatVerification(verification));
    display.note("");
    display.note(
      verification.ok
        ? "PASS: every event was handled, none lost; the checkpoint reached the head; every message addressed to the bot got exactly one reply."
        : `FAIL: ${verification.lost} events lost, ${verification.repliedTwice} replies sent twice; see the rows marked FAIL above.`,
    );
    return verification.ok ? 0 : 1;
  } catch (error) {
    display.finish();
    display.note(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  } finally {
    await bot?.kill().catch(() => undefined);
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await cast?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await rm(directory, { recursive: true, force: true });
  }
}
