import type { JournalSummary } from "./handled-journal.js";

/** Everything the verification compares. */
export interface VerificationInput {
  /** Sequences in the bot's log, read back from the server with a catch-up from 0. */
  readonly logSequences: readonly number[];
  /** The type of each logged event, to check the bot handled the event the log holds. */
  readonly logTypes: ReadonlyMap<number, string>;
  /** The server's head for the bot's account after the activity stopped. */
  readonly head: number;
  /** What the bot journaled and the checkpoint it stored. */
  readonly journal: JournalSummary;
  /** SIGKILLs during the run. */
  readonly crashes: number;
  /** The queue's window (sequences tracked above the checkpoint). */
  readonly window: number;
  /** How far the checkpoint may move before it is saved. */
  readonly maxUnsavedEvents: number;
  readonly wallTimeMs: number;
  /** How the restarted bot worked off its backlog, when it did. */
  readonly catchUp?: { readonly events: number; readonly milliseconds: number };
  /** The bot's replies, read back from the same log. */
  readonly replies: ReplyLog;
}

/** What the log says about replies: who asked, and what the bot's replies answer. */
export interface ReplyLog {
  /** GUIDs of the messages addressed to the bot (each asks for one reply). */
  readonly asked: readonly string[];
  /** For each threaded reply the bot sent, the `replyTargetGuid` it answers. */
  readonly replyTargets: readonly string[];
}

/** One row of the verification table. */
export interface VerificationRow {
  readonly label: string;
  readonly value: string;
  /** What must hold, and whether it did; absent for informational rows. */
  readonly check?: { readonly ok: boolean; readonly text: string };
}

/** The verdict: every row, and whether every check held. */
export interface Verification {
  readonly rows: readonly VerificationRow[];
  readonly ok: boolean;
  /** Events that were in the log but never handled. */
  readonly lost: number;
  readonly handledTwice: number;
  /** Extra replies to a message that had one already (must be 0). */
  readonly repliedTwice: number;
}

/**
 * Compares the server's log with the bot's journal.
 *
 * - lost: a sequence in the log that the journal never recorded (must be 0);
 * - handled twice: extra handler runs for a sequence. Within one process the queue
 *   drops duplicates, so they only come from a crash: work done after the last
 *   saved checkpoint is done again. That is at most the window (handled above the
 *   in-memory checkpoint) plus the unsaved distance, per crash;
 * - the stored checkpoint must equal the head;
 * - replies: every message that asked got a threaded reply, none got two (the reply's
 *   idempotency key comes from the event's sequence, so handling it again after the
 *   crash does not send another), and no reply answers a message that did not ask.
 */
export function verify(input: VerificationInput): Verification {
  const { journal, head } = input;
  const inLog = new Set(input.logSequences);
  let lost = 0;
  for (const sequence of inLog) if (!journal.counts.has(sequence)) lost++;
  let notInLog = 0;
  let wrongType = 0;
  for (const [sequence, types] of journal.types) {
    const logged = input.logTypes.get(sequence);
    if (logged !== undefined && types.some((type) => type !== logged)) wrongType++;
  }
  let handledTwice = 0;
  for (const [sequence, times] of journal.counts) {
    if (!inLog.has(sequence)) notInLog++;
    handledTwice += times - 1;
  }
  const contiguous =
    input.logSequences.length === head &&
    input.logSequences.every((sequence, index) => sequence === index + 1);
  const bound = input.crashes * (input.window + input.maxUnsavedEvents);
  const seconds = input.wallTimeMs / 1000;
  const restarts = journal.runs.slice(1);
  const asked = new Set(input.replies.asked);
  const repliesPerTarget = new Map<string, number>();
  for (const target of input.replies.replyTargets) {
    repliesPerTarget.set(target, (repliesPerTarget.get(target) ?? 0) + 1);
  }
  let repliedTwice = 0;
  let stray = 0;
  for (const [target, count] of repliesPerTarget) {
    repliedTwice += count - 1;
    if (!asked.has(target)) stray++;
  }
  let unanswered = 0;
  for (const guid of asked) if (!repliesPerTarget.has(guid)) unanswered++;
  const rows: VerificationRow[] = [
    {
      label: "Events written",
      value: String(head),
      check: {
        ok: contiguous,
        text: contiguous
          ? `log holds 1..${head}, no gaps`
          : `log read back has ${input.logSequences.length} events for head ${head}`,
      },
    },
    {
      label: "Events handled",
      value: `${journal.handled} runs, ${journal.counts.size} distinct`,
      check: {
        ok: notInLog === 0 && wrongType === 0,
        text:
          notInLog > 0
            ? `${notInLog} handled sequences are not in the log`
            : wrongType > 0
              ? `${wrongType} sequences were handled as a different event type than the log holds`
              : "each one the event the log holds",
      },
    },
    {
      label: "Events lost",
      value: String(lost),
      check: { ok: lost === 0, text: "must be 0" },
    },
    {
      label: "Handled twice across the crash",
      value: String(handledTwice),
      check: {
        ok: handledTwice <= bound,
        text:
          input.crashes === 0
            ? "no crash: must be 0"
            : `bound ${bound} = ${input.crashes} crash x (window ${input.window} + unsaved ${input.maxUnsavedEvents})`,
      },
    },
    {
      label: "Messages that asked for a reply",
      value: String(asked.size),
    },
    {
      label: "Replies sent",
      value: `${input.replies.replyTargets.length} threaded`,
      check: {
        ok: unanswered === 0 && stray === 0,
        text:
          unanswered > 0
            ? `${unanswered} messages that asked got no reply`
            : stray > 0
              ? `${stray} replies answer a message that did not ask`
              : "each message that asked was answered",
      },
    },
    {
      label: "Replies sent twice across the crash",
      value: String(repliedTwice),
      check: { ok: repliedTwice === 0, text: "must be 0 (key from the event's sequence)" },
    },
    ...restarts.map((run) => ({
      label: `Checkpoint loaded by bot #${run.run}`,
      value: String(run.initialCheckpoint),
    })),
    {
      label: "Final checkpoint",
      value: String(journal.checkpoint),
      check: { ok: journal.checkpoint === head, text: `must equal head ${head}` },
    },
    ...(input.catchUp === undefined
      ? []
      : [
          {
            label: "Backlog after restart",
            value: `${input.catchUp.events} events in ${(input.catchUp.milliseconds / 1000).toFixed(1)} s`,
          },
        ]),
    {
      label: "Wall time",
      value: `${seconds.toFixed(1)} s, ${seconds > 0 ? Math.round(head / seconds) : head} events/s`,
    },
  ];
  const ok = rows.every((row) => row.check === undefined || row.check.ok);
  return { rows, ok, lost, handledTwice, repliedTwice };
}

/** Renders the rows as a plain-text table. */
export function formatVerification(verification: Verification): string {
  const header = { label: "Row", value: "Value", check: "Check" };
  const cells = verification.rows.map((row) => ({
    label: row.label,
    value: row.value,
    check: row.check === undefined ? "" : `${row.check.ok ? "ok  " : "FAIL"} ${row.check.text}`,
  }));
  const widths = {
    label: Math.max(header.label.length, ...cells.map((cell) => cell.label.length)),
    value: Math.max(header.value.length, ...cells.map((cell) => cell.value.length)),
    check: Math.max(header.check.length, ...cells.map((cell) => cell.check.length)),
  };
  const line = (cell: typeof header) =>
    `| ${cell.label.padEnd(widths.label)} | ${cell.value.padEnd(widths.value)} | ${cell.check.padEnd(widths.check)} |`;
  const rule = `|${"-".repeat(widths.label + 2)}|${"-".repeat(widths.value + 2)}|${"-".repeat(widths.check + 2)}|`;
  return [line(header), rule, ...cells.map(line)].join("\n");
}
