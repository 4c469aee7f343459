// A gRPC server with only the published photon.whatsapp.v1 MessageService (no
// threadline.v1.WhatsAppLogService), for the fallback tests. It relays every call byte
// for byte, metadata included, to a real @threadline/server, and sends a stream's
// response headers when the upstream server sent them (when it registered the
// subscription), as a published-protocol server is expected to. `onCall` sees each
// unary call's metadata (to check what every attempt carried).
import {
  Client,
  credentials,
  type Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  type sendUnaryData,
} from "@grpc/grpc-js";

const identity = (value: Buffer): Buffer => value;
const unary = (path: string) => ({
  path,
  requestStream: false,
  responseStream: false,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
});
const service = {
  sendMessage: unary("/photon.whatsapp.v1.MessageService/SendMessage"),
  markRead: unary("/photon.whatsapp.v1.MessageService/MarkRead"),
  fetchMissedEvents: unary("/photon.whatsapp.v1.MessageService/FetchMissedEvents"),
  subscribeEvents: {
    ...unary("/photon.whatsapp.v1.MessageService/SubscribeEvents"),
    responseStream: true,
  },
};

/** A running relay. */
export interface PublishedOnlyServer {
  readonly address: string;
  close(): Promise<void>;
}

/** Starts the relay on 127.0.0.1 and a free port, in front of `upstreamAddress`. */
export async function startPublishedOnlyServer(
  upstreamAddress: string,
  onCall: (path: string, metadata: Metadata) => void = () => undefined,
): Promise<PublishedOnlyServer> {
  const upstream = new Client(upstreamAddress, credentials.createInsecure());
  const relayUnary =
    (path: string) => (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      onCall(path, call.metadata);
      upstream.makeUnaryRequest(
        path,
        identity,
        identity,
        call.request,
        call.metadata,
        (error: ServiceError | null, response?: Buffer) => {
          if (error !== null) callback(error);
          else callback(null, response);
        },
      );
    };
  const server = new Server();
  server.addService(service, {
    sendMessage: relayUnary(service.sendMessage.path),
    markRead: relayUnary(service.markRead.path),
    fetchMissedEvents: relayUnary(service.fetchMissedEvents.path),
    subscribeEvents: (call: ServerWritableStream<Buffer, Buffer>) => {
      const relayed = upstream.makeServerStreamRequest(
        service.subscribeEvents.path,
        identity,
        identity,
        call.request,
        call.metadata,
      );
      relayed.on("metadata", (metadata: Metadata) => call.sendMetadata(metadata));
      relayed.on("data", (frame: Buffer) => call.write(frame));
      relayed.on("error", (error: ServiceError) => call.destroy(error));
      relayed.on("end", () => call.end());
      call.on("cancelled", () => relayed.cancel());
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => {
      if (error !== null) reject(error);
      else resolve(bound);
    });
  });
  return {
    address: `127.0.0.1:${port}`,
    async close() {
      server.forceShutdown();
      upstream.close();
    },
  };
}
