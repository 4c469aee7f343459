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
}

/**
 * Compares the server's log with the bot's journal.
 *
 * - lost: a sequence in the log that the journal never recorded (must be 0);
 * - handled twice: extra handler runs for a sequence. Within one process the queue
 *   drops duplicates, so they only come from a crash: work done after the last
 *   saved checkpoint is done again. That is at most the window (handled above the
 *   in-memory checkpoint) plus the unsaved distance, per crash;
 * - the stored checkpoint must equal the head.
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
  return { rows, ok, lost, handledTwice };
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
