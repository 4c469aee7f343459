/**
 * Heartbeats of every live stream with the same interval, driven by one timer.
 *
 * A timer per stream costs memory and timer-list work for each of thousands of idle
 * streams. Instead the interval is cut into up to 16 slots of whole milliseconds; a
 * stream joins the slot of the moment it joined, and one timer visits a slot per tick.
 * Each stream's beats therefore stay `intervalMs` apart (the first within one tick of
 * `intervalMs` after joining), and many streams spread their heartbeats over the whole
 * interval instead of one burst.
 */
const maxSlots = 16;

/** Slots of the wheel for `intervalMs`: the most, up to 16, that divide it evenly. */
export function heartbeatSlots(intervalMs: number): number {
  for (let slots = Math.min(maxSlots, intervalMs); slots > 1; slots -= 1) {
    if (intervalMs % slots === 0) return slots;
  }
  return 1;
}

interface Wheel {
  readonly slots: Set<() => void>[];
  readonly timer: ReturnType<typeof setInterval>;
  members: number;
  next: number;
}

const wheels = new Map<number, Wheel>();

function wheelFor(intervalMs: number): Wheel {
  const existing = wheels.get(intervalMs);
  if (existing !== undefined) return existing;
  const slotCount = heartbeatSlots(intervalMs);
  const slots = Array.from({ length: slotCount }, () => new Set<() => void>());
  const wheel: Wheel = {
    slots,
    members: 0,
    next: 0,
    timer: setInterval(() => {
      const slot = wheel.slots[wheel.next];
      wheel.next = (wheel.next + 1) % wheel.slots.length;
      if (slot === undefined) return;
      for (const beat of [...slot]) beat();
    }, intervalMs / slotCount),
  };
  wheels.set(intervalMs, wheel);
  return wheel;
}

/**
 * Calls `beat` every `intervalMs` (the first time within one tick of `intervalMs` after
 * joining) until the returned function is called. Each membership needs its own
 * `beat` function: joining twice with the same one is a single membership.
 */
export function joinHeartbeats(intervalMs: number, beat: () => void): () => void {
  const wheel = wheelFor(intervalMs);
  // The slot visited last: reached again one whole interval from now.
  const slot = wheel.slots[(wheel.next + wheel.slots.length - 1) % wheel.slots.length];
  if (slot === undefined) throw new RangeError("heartbeat wheel without slots");
  if (slot.has(beat)) return () => undefined;
  slot.add(beat);
  wheel.members += 1;
  return () => {
    if (!slot.delete(beat)) return;
    wheel.members -= 1;
    if (wheel.members === 0) {
      clearInterval(wheel.timer);
      wheels.delete(intervalMs);
    }
  };
}
