import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import type { GrpcMethodDefinition } from "@threadline/protocol";

/** How a raw call ended: the decoded response, or the status and error trailers. */
export type RawOutcome<Response> =
  | { readonly ok: true; readonly response: Response }
  | {
      readonly ok: false;
      readonly code: number;
      readonly details: string;
      readonly errorCode: string | undefined;
      readonly retryable: string | undefined;
    };

/** A bare grpc-js client for one account; see {@link createRawClient}. */
export interface RawClient {
  /** One unary call with the account's bearer token and any extra `headers`; never throws. */
  call<RequestDecoded, RequestProperties, ResponseDecoded, ResponseProperties>(
    method: GrpcMethodDefinition<
      RequestDecoded,
      RequestProperties,
      ResponseDecoded,
      ResponseProperties
    >,
    request: RequestProperties,
    headers?: Readonly<Record<string, string>>,
  ): Promise<RawOutcome<ResponseDecoded>>;
  close(): void;
}

/**
 * A bare grpc-js client that skips every SDK-side check, so tests can prove the server
 * re-validates what the SDK already refuses to send.
 */
export function createRawClient(address: string, token: string): RawClient {
  const client = new Client(address, credentials.createInsecure());
  return {
    call<RequestDecoded, RequestProperties, ResponseDecoded, ResponseProperties>(
      method: GrpcMethodDefinition<
        RequestDecoded,
        RequestProperties,
        ResponseDecoded,
        ResponseProperties
      >,
      request: RequestProperties,
      headers: Readonly<Record<string, string>> = {},
    ): Promise<RawOutcome<ResponseDecoded>> {
      const metadata = new Metadata();
      metadata.set("authorization", `Bearer ${token}`);
      for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
      return new Promise((resolve) => {
        client.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          metadata,
          (error: ServiceError | null, response?: ResponseDecoded) => {
            if (error === null && response !== undefined) {
              resolve({ ok: true, response });
              return;
            }
            const trailers = error?.metadata;
            const first = (key: string) => {
              const value = trailers?.get(key)[0];
              return value === undefined ? undefined : String(value);
            };
            resolve({
              ok: false,
              code: error?.code ?? -1,
              details: error?.details ?? "no response",
              errorCode: first("error-code"),
              retryable: first("x-retryable"),
            });
          },
        );
      });
    },
    close(): void {
      client.close();
    },
  };
}
