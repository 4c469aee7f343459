import {
  type Client,
  type ClientReadableStream,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceDefinition,
  type ServiceError,
} from "@grpc/grpc-js";

/** A raw grpc-js client for one service definition, authenticating with `token`. */
export interface RawClient {
  readonly client: Client;
  unary<Response>(method: string, request: unknown, metadata?: Metadata): Promise<Response>;
  stream<Response>(
    method: string,
    request: unknown,
    metadata?: Metadata,
  ): ClientReadableStream<Response>;
  close(): void;
}

/** Metadata carrying `authorization: Bearer <token>` (none when token is undefined). */
export function bearer(token: string | undefined): Metadata {
  const metadata = new Metadata();
  if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

type Callable = (...args: unknown[]) => unknown;

function methodOf(client: Client, name: string): Callable {
  const value: unknown = Reflect.get(client, name);
  if (typeof value !== "function") throw new Error(`client has no method ${name}`);
  return (...args: unknown[]) => Reflect.apply(value, client, args);
}

/** Creates a client for `definition` at `address`. */
export function createRawClient(
  address: string,
  definition: ServiceDefinition,
  token: string | undefined,
): RawClient {
  const Constructor = makeGenericClientConstructor(definition, "Service");
  const client = new Constructor(address, credentials.createInsecure());
  return {
    client,
    unary<Response>(method: string, request: unknown, metadata = bearer(token)) {
      return new Promise<Response>((resolve, reject) => {
        methodOf(client, method)(
          request,
          metadata,
          (error: ServiceError | null, response: Response) => {
            if (error) reject(error);
            else resolve(response);
          },
        );
      });
    },
    stream<Response>(method: string, request: unknown, metadata = bearer(token)) {
      return methodOf(client, method)(request, metadata) as ClientReadableStream<Response>;
    },
    close() {
      client.close();
    },
  };
}

/** The status error a promise rejected with; fails when it resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** Reads a stream to its end; resolves frames, or rejects with the status error. */
export function collect<Response>(stream: ClientReadableStream<Response>): Promise<Response[]> {
  return new Promise((resolve, reject) => {
    const frames: Response[] = [];
    stream.on("data", (frame: Response) => frames.push(frame));
    stream.on("error", reject);
    stream.on("end", () => resolve(frames));
  });
}

/** The single value of a trailer, or undefined. */
export function trailer(error: ServiceError, key: string): string | undefined {
  const value = error.metadata?.get(key)[0];
  return typeof value === "string" ? value : undefined;
}
