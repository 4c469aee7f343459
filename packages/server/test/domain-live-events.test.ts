import { credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import {
  ChatServiceDefinition as Chat,
  MessageServiceDefinition as Messages,
  type photon,
} from "@threadline/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AccountClient, connectAccount } from "./domain-client.js";
import { type DomainTestServer, startDomainTestServer } from "./domain-fixture.js";

let server: DomainTestServer;
let alice: AccountClient;
let bob: AccountClient;
let bobToken: string;

beforeEach(async () => {
  server = await startDomainTestServer();
  alice = connectAccount(server.address, (await server.createAccount(["alice@example.com"])).token);
  bobToken = (await server.createAccount(["bob@example.com"])).token;
  bob = connectAccount(server.address, bobToken);
  await alice.call(Chat.createChat, { addresses: ["bob@example.com"] });
});

afterEach(async () => {
  alice.close();
  bob.close();
  await server.close();
});

describe("live message events", () => {
  it.each(["any;-;alice@example.com", "any;-;Alice@Example.COM"])(
    "reach a subscriber filtered by the chat GUID as that subscriber names the chat (%s)",
    async (filter) => {
      const method = Messages.subscribeMessageEvents;
      const Client = makeGenericClientConstructor({ subscribe: method }, "Messages");
      const client = new Client(server.address, credentials.createInsecure());
      const metadata = new Metadata();
      metadata.set("authorization", `Bearer ${bobToken}`);
      const stream = client.makeServerStreamRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        { chatGuid: filter },
        metadata,
        {},
      );
      try {
        await new Promise<void>((resolve, reject) => {
          stream.once("metadata", () => resolve());
          stream.once("error", reject);
        });
        const received = new Promise<photon.imessage.v1.SubscribeMessageEventsResponse>(
          (resolve, reject) => {
            stream.on("data", (frame: photon.imessage.v1.SubscribeMessageEventsResponse) => {
              if (frame.payload === "messageChanged") resolve(frame);
            });
            stream.once("error", reject);
          },
        );
        // Bob's chat with Carol is logged for Bob too, but is outside the filter.
        const carol = connectAccount(
          server.address,
          (await server.createAccount(["carol@example.com"])).token,
        );
        await carol.call(Chat.createChat, {
          addresses: ["bob@example.com"],
          initialMessage: { text: "other chat" },
        });
        carol.close();
        const sent = await alice.call(Messages.sendTextMessage, {
          chatGuid: "any;-;bob@example.com",
          text: "live",
        });
        const frame = await received;
        expect(frame.sequence).toBe(2);
        expect(frame.messageChanged?.chatGuid).toBe("any;-;alice@example.com");
        expect(frame.messageChanged?.isFromMe).toBe(false);
        expect(frame.messageChanged?.messageReceived?.message.guid).toBe(sent.message.guid);
      } finally {
        stream.cancel();
        client.close();
      }
    },
  );
});
