import { describe, expect, it } from "vitest";
import { createPushSource } from "./push-source.js";

describe("push source", () => {
  it("pauses the producer at the high-water mark and resumes it when the consumer drains", () => {
    const calls: string[] = [];
    const source = createPushSource<number>({
      highWaterMark: 3,
      pause: () => calls.push("pause"),
      resume: () => calls.push("resume"),
    });
    source.push(1);
    source.push(2);
    expect(calls).toEqual([]);
    source.push(3);
    source.push(4);
    expect(calls).toEqual(["pause"]);
    expect(source.buffered).toBe(4);
    expect(source.pull()).toEqual([1, 2, 3, 4]);
    expect(calls).toEqual(["pause", "resume"]);
    expect(source.buffered).toBe(0);
  });

  it("hands a waiting consumer the first event at once, then delivers a failure after buffered events", async () => {
    const source = createPushSource<string>();
    const waiting = source.pull();
    source.push("a");
    await expect(waiting).resolves.toEqual(["a"]);
    source.push("b");
    source.fail(new Error("lost"));
    source.push("ignored after failure");
    expect(source.pull()).toEqual(["b"]);
    expect(() => source.pull()).toThrow("lost");
  });

  it("cancel settles a pending pull as ended, drops the buffer and tells the producer once", async () => {
    let cancels = 0;
    const source = createPushSource<number>({ cancel: () => cancels++ });
    const waiting = source.pull();
    source.cancel();
    source.cancel();
    await expect(waiting).resolves.toBeUndefined();
    source.push(1);
    expect(source.pull()).toBeUndefined();
    expect(cancels).toBe(1);
    expect(source.finished).toBe(true);
  });

  it("drained() resolves when the consumer takes the buffer", async () => {
    const source = createPushSource<number>();
    source.push(1);
    let drained = false;
    const waiting = source.drained().then(() => {
      drained = true;
    });
    await Promise.resolve();
    expect(drained).toBe(false);
    source.pull();
    await waiting;
    expect(drained).toBe(true);
  });
});
