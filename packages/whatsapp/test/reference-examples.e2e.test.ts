// The examples of the WhatsApp events reference page, run as written against our
// server: `client` is a @threadline/whatsapp client, `lastCursor` and `persist` are
// the page's free names. Each example's body is the page's code, unchanged.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WhatsAppClient, WhatsAppEvent } from "../src/index.js";
import { customer, startWhatsAppFixture, type WhatsAppFixture } from "./whatsapp-fixture.js";

let fixture: WhatsAppFixture;
let client: WhatsAppClient;
beforeAll(async () => {
  fixture = await startWhatsAppFixture({ heartbeatIntervalMs: 500 });
  client = fixture.client();
  await fixture.postMessages([
    {
      from: customer,
      id: "wamid.DOC-TEXT",
      timestamp: "1733053000",
      type: "text",
      text: { body: "hello" },
    },
    {
      from: customer,
      id: "wamid.DOC-IMAGE",
      timestamp: "1733053001",
      type: "image",
      image: { id: "880099", mime_type: "image/jpeg" },
    },
    {
      from: customer,
      id: "wamid.DOC-LOC",
      timestamp: "1733053002",
      type: "location",
      location: { latitude: 48.137, longitude: 11.575 },
    },
    {
      from: customer,
      id: "wamid.DOC-REACT",
      timestamp: "1733053003",
      type: "reaction",
      reaction: { message_id: "wamid.X", emoji: "❤️" },
    },
    {
      from: customer,
      id: "wamid.DOC-ORDER",
      timestamp: "1733053004",
      type: "order",
      order: {
        catalog_id: "c",
        product_items: [{ product_retailer_id: "p1", quantity: 1, item_price: 5, currency: "EUR" }],
      },
    },
  ]);
  await fixture.postStatuses([
    {
      id: "wamid.SENT-DOC",
      status: "failed",
      timestamp: "1733053005",
      recipient_id: customer,
      errors: [{ code: 131026, title: "Message undeliverable" }],
    },
  ]);
});
afterAll(async () => {
  await fixture.close();
});

const logged: unknown[][] = [];
const console = {
  log: (...values: unknown[]) => logged.push(values),
  error: (...values: unknown[]) => logged.push(["error", ...values]),
};

describe("the reference page's examples", () => {
  it("the event stream: switch on event.type", async () => {
    const types: string[] = [];
    for await (const event of client.events.subscribe()) {
      switch (event.type) {
        case "message":
          // inbound message from a user
          types.push("message");
          break;
        case "status":
          // status update for a message you sent
          types.push("status");
          break;
      }
      if (types.length === 6) break;
    }
    expect(types).toEqual(["message", "message", "message", "message", "message", "status"]);
  });

  it("save the cursor and pass it back on restart", async () => {
    let lastCursor: string | undefined;
    const saved: string[] = [];
    const persist = async (cursor: string | undefined) => {
      if (cursor !== undefined) saved.push(cursor);
    };
    let handled = 0;
    for await (const event of client.events.subscribe({ cursor: lastCursor })) {
      lastCursor = event.cursor;
      await persist(lastCursor); // durable storage
      // handle event...
      handled += 1;
      if (handled === 3) break;
    }
    const resumed: number[] = [];
    for await (const event of client.events.subscribe({ cursor: lastCursor })) {
      resumed.push(event.sequence);
      if (resumed.length === 3) break;
    }
    expect(saved).toHaveLength(3);
    expect(resumed).toEqual([4, 5, 6]);
  });

  it("narrowing on content.type, with media.getUrl", async () => {
    logged.length = 0;
    const urls: string[] = [];
    let seen = 0;
    for await (const event of client.events.subscribe()) {
      if (event.type === "message") {
        const { message } = event;

        switch (message.content.type) {
          case "text":
            console.log(message.content.body);
            break;
          case "image":
          case "video":
          case "audio":
          case "document": {
            console.log(message.content.media.id);
            const { url } = await client.media.getUrl(message.content.media.id);
            urls.push(url);
            break;
          }
          case "location":
            console.log(message.content.location.latitude);
            break;
          case "reaction":
            console.log(message.content.reaction.emoji);
            break;
          case "interactive":
            // button / list / flow reply — see Interactive messages
            break;
          case "order":
            console.log(message.content.order.productItems);
            break;
        }
      }
      seen += 1;
      if (seen === 6) break;
    }
    expect(logged).toEqual([
      ["hello"],
      ["880099"],
      [48.137],
      ["❤️"],
      [[{ productRetailerId: "p1", quantity: 1, itemPrice: 5, currency: "EUR" }]],
    ]);
    expect(urls).toEqual(["https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=880099"]);
  });

  it("replying to an incoming message with replyTo", async () => {
    for await (const event of client.events.subscribe().take(1)) {
      if (event.type === "message" && event.message.content.type === "text") {
        await client.messages.send({
          to: event.message.from,
          replyTo: event.message.id,
          text: `You said: ${event.message.content.body}`,
        });
      }
    }
    expect(fixture.graphRequests.at(-1)?.json).toMatchObject({
      to: customer,
      context: { message_id: "wamid.DOC-TEXT" },
      text: { body: "You said: hello" },
    });
  });

  it("status updates, with the errors of a failed one", async () => {
    logged.length = 0;
    for await (const event of client.events
      .subscribe()
      .filter((e) => e.type === "status")
      .take(1)) {
      if (event.type === "status") {
        const { status } = event;
        console.log(`${status.id}: ${status.status}`);
        if (status.status === "failed") {
          for (const err of status.errors) {
            console.error(err.code, err.title, err.message);
          }
        }
      }
    }
    expect(logged).toEqual([
      ["wamid.SENT-DOC: failed"],
      ["error", 131026, "Message undeliverable", undefined],
    ]);
  });

  it("the reconnect options", async () => {
    const lastCursor = (await client.events.fetchMissed({ limit: 2 })).cursor;
    const stream = client.events.subscribe({
      cursor: lastCursor,
      reconnect: {
        initialDelay: 500,
        maxDelay: 60_000,
        maxAttempts: 10,
        onReconnect: (attempt) => console.log(`reconnect attempt ${attempt}`),
      },
    });
    const [first] = await collect(stream.take(1));
    expect(first?.sequence).toBe(3);
  });

  it("fetchMissed, then resume the live subscription", async () => {
    const lastCursor = (await client.events.fetchMissed({ limit: 1 })).cursor;
    const replayed: number[] = [];
    const { events } = await client.events.fetchMissed({
      cursor: lastCursor,
      limit: 100,
    });

    for (const event of events) {
      // replay in order
      replayed.push(event.sequence);
    }

    // then resume live subscription
    const live: number[] = [];
    const posting = fixture.postTexts(1);
    for await (const event of client.events.subscribe({ cursor: lastCursor })) {
      // ...
      live.push(event.sequence);
      if (live.length === 6) break;
    }
    await posting;
    expect(replayed).toEqual([2, 3, 4, 5, 6]);
    // Our subscribe resumes after the cursor on the first connect too: the replayed
    // events come again, then the new one (handle by sequence to skip them).
    expect(live).toEqual([2, 3, 4, 5, 6, 7]);
  });
});

async function collect(stream: AsyncIterable<WhatsAppEvent>): Promise<WhatsAppEvent[]> {
  const events: WhatsAppEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}
