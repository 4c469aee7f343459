import { describe, expect, it } from "vitest";
import { RateLimitError } from "../src/index.js";
import { startFixture, writeMessages } from "./fixture.js";

describe("branches of a live stream against a real server", () => {
  it("two branches read one call; closing one leaves the other; closing the last releases the call", async () => {
    // One live subscription per account, so a call that is still open refuses the next.
    await using fixture = await startFixture({ maxSubscribersPerAccount: 1 });
    const im = fixture.client();
    const chatGuid = await writeMessages(im, 1);
    const stream = im.events.live("message", { chat: chatGuid });
    await stream.ready;
    const received = stream.filter((event) => event.type === "message.received");
    const texts = stream.map((event) =>
      event.type === "message.received" ? event.message.content.text : event.type,
    );
    const receivedReader = received[Symbol.asyncIterator]();
    const textsReader = texts[Symbol.asyncIterator]();

    await writeMessages(im, 2);
    const [first, firstText] = await Promise.all([receivedReader.next(), textsReader.next()]);
    expect(first.done).toBe(false);
    expect(firstText).toEqual({ value: "message 1", done: false });

    // The stream's one call is still open while a branch is.
    await received.close();
    await expect(im.events.live("message").ready).rejects.toBeInstanceOf(RateLimitError);

    const secondText = await textsReader.next();
    expect(secondText).toEqual({ value: "message 2", done: false });

    await texts.close();
    expect(stream.closed).toBe(true);
    // The server sees the cancel asynchronously; the next subscription gets through once it has.
    let accepted = false;
    for (let attempt = 0; attempt < 50 && !accepted; attempt++) {
      const next = im.events.live("message");
      accepted = await next.ready.then(
        () => true,
        () => false,
      );
      await next.close();
      if (!accepted) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(accepted).toBe(true);
  });
});
