import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ChatServiceDefinition,
  type EncodedMessage,
  EventServiceDefinition,
  methodPaths,
  photon,
} from "../src/index.js";

const v1 = photon.imessage.v1;

describe("generated gRPC service definitions", () => {
  let server: grpc.Server;
  let address: string;

  beforeAll(async () => {
    server = new grpc.Server();
    server.addService(ChatServiceDefinition, {
      getChatCount(
        call: grpc.ServerUnaryCall<photon.imessage.v1.GetChatCountRequest, unknown>,
        callback: grpc.sendUnaryData<photon.imessage.v1.GetChatCountResponse.$Properties>,
      ) {
        callback(null, { count: call.request.includeArchived ? 7 : 3 });
      },
    });
    server.addService(EventServiceDefinition, {
      catchUpEvents(
        call: grpc.ServerWritableStream<photon.imessage.v1.CatchUpEventsRequest, unknown>,
      ) {
        // One frame as a message object, one as pre-encoded bytes: both must arrive identically.
        call.write({
          sequence: (call.request.afterSequence ?? 0) + 1,
          chatChanged: { chatGuid: "any;-;a@b.co", markedRead: {} },
        });
        const encoded: EncodedMessage<photon.imessage.v1.CatchUpEventsResponse> =
          v1.CatchUpEventsResponse.encode({
            complete: { headSequence: 2 ** 53 - 1 },
          }).finish();
        call.write(encoded);
        call.end();
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    address = `127.0.0.1:${port}`;
  });

  afterAll(() => server.forceShutdown());

  it("lists every method path once, all under the three proto packages", () => {
    expect(new Set(methodPaths).size).toBe(methodPaths.length);
    expect(methodPaths).toContain("/photon.imessage.v1.ChatService/CreateChat");
    expect(methodPaths).toContain("/photon.imessage.v1.EventService/CatchUpEvents");
    expect(methodPaths).toContain("/threadline.v1.EventLogService/CatchUpEventBatches");
    expect(methodPaths).toContain("/photon.whatsapp.v1.MessageService/SubscribeEvents");
    expect(methodPaths).toContain("/photon.whatsapp.v1.MediaService/GetUrl");
    for (const path of methodPaths)
      expect(path).toMatch(
        /^\/(photon\.imessage\.v1|photon\.whatsapp\.v1|threadline\.v1)\.\w+\/\w+$/,
      );
  });

  it("serve and call a unary method with grpc-js on both sides", async () => {
    const Client = grpc.makeGenericClientConstructor(ChatServiceDefinition, "ChatService");
    const client = new Client(address, grpc.credentials.createInsecure());
    const response = await new Promise<photon.imessage.v1.GetChatCountResponse>((resolve, reject) =>
      client.makeUnaryRequest(
        ChatServiceDefinition.getChatCount.path,
        ChatServiceDefinition.getChatCount.requestSerialize,
        ChatServiceDefinition.getChatCount.responseDeserialize,
        { includeArchived: true },
        (error, value) => (error || !value ? reject(error) : resolve(value)),
      ),
    );
    expect(response.count).toBe(7);
    client.close();
  });

  it("a method the server does not implement answers UNIMPLEMENTED", async () => {
    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    const error = await new Promise<grpc.ServiceError>((resolve) =>
      client.makeUnaryRequest(
        ChatServiceDefinition.getChat.path,
        ChatServiceDefinition.getChat.requestSerialize,
        ChatServiceDefinition.getChat.responseDeserialize,
        { chatGuid: "any;-;x@y.co" },
        (failure) => failure && resolve(failure),
      ),
    );
    expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
    client.close();
  });

  it("server streams accept message objects and pre-encoded bytes alike", async () => {
    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    const call = client.makeServerStreamRequest(
      EventServiceDefinition.catchUpEvents.path,
      EventServiceDefinition.catchUpEvents.requestSerialize,
      EventServiceDefinition.catchUpEvents.responseDeserialize,
      { afterSequence: 41 },
    );
    const frames: photon.imessage.v1.CatchUpEventsResponse[] = [];
    for await (const frame of call) frames.push(frame);
    expect(frames.map((frame) => frame.payload)).toEqual(["chatChanged", "complete"]);
    expect(frames[0]?.sequence).toBe(42);
    expect(frames[1]?.complete?.headSequence).toBe(2 ** 53 - 1);
    client.close();
  });
});
