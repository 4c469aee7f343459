import { readFileSync, writeFileSync } from "node:fs";

function statusField(pid: number | "self", field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  if (match?.[1] === undefined) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]) * 1024;
}

/** Resident set size of a process now, in bytes (Linux). */
export function residentBytes(pid: number | "self"): number {
  return statusField(pid, "VmRSS");
}

/**
 * Starts a peak measurement: the kernel's high-water mark of the resident set is reset
 * to the current size (writing 5 to clear_refs), so a later {@link peakBytes} reads the
 * largest resident set since.
 */
export function resetPeak(pid: number | "self"): number {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
  return residentBytes(pid);
}

/** The largest resident set since the last {@link resetPeak}, in bytes. */
export function peakBytes(pid: number | "self"): number {
  return statusField(pid, "VmHWM");
}
