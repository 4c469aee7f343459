import {
  type Client,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
} from "@grpc/grpc-js";
import {
  AddressServiceDefinition,
  ChatArchiveServiceDefinition,
  ChatServiceDefinition,
  EventServiceDefinition,
  FocusStatusServiceDefinition,
  GroupServiceDefinition,
  type GrpcMethodDefinition,
  MessageServiceDefinition,
  PollServiceDefinition,
  type photon,
} from "@threadline/protocol";

/** A failed call as the tests inspect it: status, message and the error trailers. */
export interface CallFailure {
  readonly code: number;
  readonly details: string;
  readonly errorCode: string | undefined;
  readonly retryable: string | undefined;
}

function isServiceError(value: unknown): value is ServiceError {
  return value instanceof Error && "code" in value && "metadata" in value;
}

/** The status, message and trailers of a failed call; rethrows anything that is not a gRPC error. */
export function failureOf(error: unknown): CallFailure {
  if (!isServiceError(error)) throw error;
  const errorCode = error.metadata.get("error-code")[0];
  const retryable = error.metadata.get("x-retryable")[0];
  return {
    code: error.code,
    details: error.details,
    errorCode: errorCode === undefined ? undefined : String(errorCode),
    retryable: retryable === undefined ? undefined : String(retryable),
  };
}

/** A raw gRPC client for one account, speaking the generated service definitions. */
export interface AccountClient {
  call<RequestDecoded, RequestProperties, Response, ResponseProperties>(
    method: GrpcMethodDefinition<RequestDecoded, RequestProperties, Response, ResponseProperties>,
    request: NoInfer<RequestProperties>,
    options?: { readonly idempotencyKey?: string },
  ): Promise<Response>;
  /** The call's failure; throws when the call unexpectedly succeeds. */
  failure<RequestDecoded, RequestProperties, Response, ResponseProperties>(
    method: GrpcMethodDefinition<RequestDecoded, RequestProperties, Response, ResponseProperties>,
    request: NoInfer<RequestProperties>,
    options?: { readonly idempotencyKey?: string },
  ): Promise<CallFailure>;
  /** Every event of the account's log after `afterSequence`, via CatchUpEvents. */
  catchUp(afterSequence?: number): Promise<photon.imessage.v1.CatchUpEventsResponse[]>;
  close(): void;
}

const services = {
  chat: ChatServiceDefinition,
  message: MessageServiceDefinition,
  group: GroupServiceDefinition,
  poll: PollServiceDefinition,
  archive: ChatArchiveServiceDefinition,
  event: EventServiceDefinition,
  address: AddressServiceDefinition,
  focus: FocusStatusServiceDefinition,
};

/** Opens one client per service for `token`'s account on `address`. */
export function connectAccount(address: string, token: string): AccountClient {
  const clients = new Map<string, Client>();
  for (const [name, definition] of Object.entries(services)) {
    const Constructor = makeGenericClientConstructor(definition, name);
    clients.set(name, new Constructor(address, credentials.createInsecure()));
  }
  const clientFor = (path: string): Client => {
    for (const [name, definition] of Object.entries(services)) {
      if (Object.values(definition).some((candidate) => candidate.path === path)) {
        const client = clients.get(name);
        if (client !== undefined) return client;
      }
    }
    throw new Error(`no client for ${path}`);
  };
  const metadataFor = (idempotencyKey?: string) => {
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${token}`);
    if (idempotencyKey !== undefined) metadata.set("x-idempotency-key", idempotencyKey);
    return metadata;
  };
  function invoke<RequestDecoded, RequestProperties, Response, ResponseProperties>(
    method: GrpcMethodDefinition<RequestDecoded, RequestProperties, Response, ResponseProperties>,
    request: RequestProperties,
    idempotencyKey?: string,
  ): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      clientFor(method.path).makeUnaryRequest<RequestProperties, Response>(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        metadataFor(idempotencyKey),
        {},
        (error, response) => {
          if (error) reject(error);
          else if (response === undefined) reject(new Error(`${method.path} returned no response`));
          else resolve(response);
        },
      );
    });
  }
  return {
    call: (method, request, options) => invoke(method, request, options?.idempotencyKey),
    async failure(method, request, options) {
      try {
        await invoke(method, request, options?.idempotencyKey);
      } catch (error) {
        return failureOf(error);
      }
      throw new Error(`${method.path} succeeded but the test expected it to fail`);
    },
    catchUp(afterSequence) {
      const method = EventServiceDefinition.catchUpEvents;
      const stream = clientFor(method.path).makeServerStreamRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        afterSequence === undefined ? {} : { afterSequence },
        metadataFor(),
        {},
      );
      return new Promise((resolve, reject) => {
        const events: photon.imessage.v1.CatchUpEventsResponse[] = [];
        stream.on("data", (frame: photon.imessage.v1.CatchUpEventsResponse) => {
          if (frame.payload === "complete") resolve(events);
          else if (frame.payload !== "heartbeat") events.push(frame);
        });
        stream.on("error", reject);
        stream.on("end", () => resolve(events));
      });
    },
    close() {
      for (const client of clients.values()) client.close();
    },
  };
}
