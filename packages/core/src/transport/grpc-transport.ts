import {
  type ChannelOptions,
  Client,
  type ClientReadableStream,
  type ClientUnaryCall,
  type ServiceError,
} from "@grpc/grpc-js";
import type { GrpcMethodDefinition } from "@threadline/protocol";
import { CancelledError, ProtocolError, ValidationError } from "../errors/error-classes.js";
import { toThreadlineError } from "../errors/grpc-error-mapping.js";
import { checkOptionalDuration, invalidArgument } from "../errors/invalid-argument.js";
import { ThreadlineError } from "../errors/threadline-error.js";
import { LiveEventStream } from "../stream/live-event-stream.js";
import { createPushSource, type PushSource } from "../stream/push-source.js";
import {
  type AuthHeadersSource,
  authHeadersInterceptor,
  authHeadersResolver,
} from "./auth-headers.js";
import { metadataFrom, type TokenSource } from "./auth-metadata.js";
import { channelCredentials, channelOptionsFor, type TlsOptions } from "./channel-setup.js";
import { checkIdempotencyKey, idempotencyInterceptor } from "./idempotency-interceptor.js";
import { retryInterceptor } from "./retry-interceptor.js";
import { createRetryPolicy, type RetryOptions } from "./retry-options.js";
import type { RpcCalls, StreamCallOptions, UnaryCallOptions } from "./rpc-calls.js";
import { applyInterceptors, type UnaryNext, type UnaryRequest } from "./unary-interceptor.js";

/** Settings of a {@link Transport}. */
export interface TransportOptions {
  readonly address: string;
  /** Bearer token (`authorization` metadata); ignored when `authHeaders` is given. */
  readonly token?: TokenSource;
  /** Auth metadata other than a bearer token, added to every call instead of it. */
  readonly authHeaders?: AuthHeadersSource;
  readonly tls?: TlsOptions;
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions | false;
  readonly channelOptions?: ChannelOptions;
}

/**
 * The gRPC transport: a unary channel and a separate channel for long-lived streams.
 */
export interface Transport extends RpcCalls {
  /**
   * A server stream as a bare source: `expand` turns the raw bytes of each frame into
   * zero or more events (decoding is up to it, so batch frames can fan out).
   */
  openSource<RequestProperties, Event>(
    method: { readonly path: string; requestSerialize(value: RequestProperties): Buffer },
    request: RequestProperties,
    expand: (bytes: Buffer, emit: (event: Event) => void) => void,
    options: SourceCallOptions,
  ): StreamConnection<Event>;
  /**
   * Moves new streams to a fresh connection. A stream that went silent may sit on a
   * half-open TCP connection that grpc-js still believes healthy; reconnecting over it
   * would stall again.
   */
  resetStreamChannel(): void;
  /** Cancels `source` when the transport closes; returns a function that forgets it. */
  register(source: { cancel(): void | Promise<void> }): () => void;
  readonly closed: boolean;
  close(): Promise<void>;
}

/** Options of {@link Transport.openSource}; `highWaterMark` comes from {@link StreamCallOptions}. */
export interface SourceCallOptions extends StreamCallOptions {}

/** One open server stream: its events and the promise of its response headers. */
export interface StreamConnection<Event> {
  readonly source: PushSource<Event>;
  readonly ready: Promise<void>;
}

/**
 * The `expand` of {@link Transport.openSource} for a stream whose every frame decodes to
 * one message that `map` turns into an event, or `undefined` to skip it (heartbeats).
 */
export function expandEach<ResponseDecoded, Event>(
  method: { responseDeserialize(bytes: Buffer): ResponseDecoded },
  map: (frame: ResponseDecoded) => Event | undefined,
): (bytes: Buffer, emit: (event: Event) => void) => void {
  return (bytes, emit) => {
    const event = map(method.responseDeserialize(bytes));
    if (event !== undefined) emit(event);
  };
}

/** Default deadline of a unary call. */
export const defaultTimeoutMs = 30_000;

// The parts of a generated method definition a call needs; narrower than the full
// definition so one helper serves every request and response type.
interface CallMethod<RequestProperties, ResponseDecoded> {
  readonly path: string;
  requestSerialize(value: RequestProperties): Buffer;
  responseDeserialize(bytes: Buffer): ResponseDecoded;
}

// Responses are decoded by the transport, not inside grpc-js, so that a frame that
// fails to decode becomes a ProtocolError with its real cause rather than an INTERNAL.
const passThrough = (bytes: Buffer): Buffer => bytes;

/** `"/photon.imessage.v1.ChatService/CreateChat"` -> `"ChatService.CreateChat"`. */
export function operationName(path: string): string {
  const [service = path, method = ""] = path.slice(1).split("/");
  const shortService = service.slice(service.lastIndexOf(".") + 1);
  return method === "" ? path : `${shortService}.${method}`;
}

// Encoding up front turns a request the codec rejects (a number out of range, say)
// into a ValidationError here, instead of an INTERNAL status from inside grpc-js.
function encodeRequest<RequestProperties>(
  method: { requestSerialize(value: RequestProperties): Buffer },
  request: RequestProperties,
  operation: string,
): Buffer {
  try {
    return method.requestSerialize(request);
  } catch (error) {
    throw new ValidationError(
      `${operation} request could not be encoded: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/**
 * Creates core's gRPC transport (two channels, typed errors, retries with one idempotency
 * key per logical call, deadlines, auth metadata on every call). An integration point
 * for clients whose auth is not a bearer token (pass `authHeaders`).
 */
export function createTransport(options: TransportOptions): Transport {
  if (typeof options.address !== "string" || options.address.trim() === "") {
    throw invalidArgument("address", 'a non-empty "host:port" string', options.address);
  }
  const defaultTimeout = checkOptionalDuration("timeoutMs", options.timeoutMs) ?? defaultTimeoutMs;
  const retryPolicy = createRetryPolicy(options.retry);
  const authHeaders = authHeadersResolver(options);
  const credentials = channelCredentials(options.tls);
  const unaryClient = new Client(
    options.address,
    credentials,
    channelOptionsFor("unary", options.channelOptions),
  );
  // Replaced by resetStreamChannel(); each generation gets its own connection.
  let streamGeneration = 0;
  const createStreamClient = () =>
    new Client(options.address, credentials, {
      ...channelOptionsFor("stream", options.channelOptions),
      "threadline.stream_generation": streamGeneration,
    });
  let streamClient = createStreamClient();
  const openSources = new Set<{ cancel(): void | Promise<void> }>();
  let closing: Promise<void> | undefined;

  function ensureOpen(operation: string): void {
    if (closing !== undefined) {
      throw new CancelledError(`${operation} was called after the client was closed`, {
        code: "CLIENT_CLOSED",
      });
    }
  }

  // The transport's one attempt of a unary call; retries, idempotency keys and auth are
  // the interceptors wrapped around it below.
  const attempt: UnaryNext = <Response>(request: UnaryRequest<Response>): Promise<Response> => {
    const { method, operation, signal } = request;
    return new Promise<Response>((resolve, reject) => {
      let call: ClientUnaryCall;
      const aborted = () => call.cancel();
      try {
        call = unaryClient.makeUnaryRequest(
          method.path,
          passThrough,
          passThrough,
          request.message,
          metadataFrom(request.headers),
          { deadline: new Date(request.deadline) },
          (error: ServiceError | null, bytes?: Buffer) => {
            signal?.removeEventListener("abort", aborted);
            if (error !== null) {
              if (signal?.aborted === true) {
                reject(
                  new CancelledError(`${operation} was aborted by its AbortSignal`, {
                    cause: error,
                  }),
                );
              } else {
                reject(toThreadlineError(error, operation));
              }
              return;
            }
            try {
              resolve(method.responseDeserialize(bytes ?? Buffer.alloc(0)));
            } catch (decodeError) {
              reject(
                new ProtocolError(
                  `${operation} returned a response this SDK cannot decode: ${decodeError instanceof Error ? decodeError.message : String(decodeError)}`,
                  { cause: decodeError, context: { operation } },
                ),
              );
            }
          },
        );
      } catch (error) {
        // grpc-js throws synchronously only for a closed channel or bad call options.
        reject(toThreadlineError(error, operation));
        return;
      }
      signal?.addEventListener("abort", aborted, { once: true });
    });
  };

  // Outermost first: one idempotency key for the logical call, then the retries, then
  // the bearer token of each attempt.
  const unaryCall = applyInterceptors(
    [
      idempotencyInterceptor,
      retryInterceptor(retryPolicy, () => closing !== undefined),
      authHeadersInterceptor(authHeaders),
    ],
    attempt,
  );

  async function unary<RequestDecoded, RequestProperties, ResponseDecoded, ResponseProperties>(
    method: GrpcMethodDefinition<
      RequestDecoded,
      RequestProperties,
      ResponseDecoded,
      ResponseProperties
    >,
    request: RequestProperties,
    callOptions: UnaryCallOptions = {},
  ): Promise<ResponseDecoded> {
    const operation = callOptions.operation ?? operationName(method.path);
    ensureOpen(operation);
    const timeoutMs = checkOptionalDuration("timeoutMs", callOptions.timeoutMs) ?? defaultTimeout;
    const deadline = Date.now() + timeoutMs;
    const idempotencyKey = checkIdempotencyKey(callOptions.idempotencyKey);
    const message = encodeRequest(method, request, operation);
    return unaryCall({
      method,
      operation,
      message,
      headers: {},
      deadline,
      signal: callOptions.signal,
      mutating: callOptions.mutating === true,
      idempotencyKey,
    });
  }

  function openSource<RequestProperties, Event>(
    method: Pick<CallMethod<RequestProperties, unknown>, "path" | "requestSerialize">,
    request: RequestProperties,
    expand: (bytes: Buffer, emit: (event: Event) => void) => void,
    streamOptions: SourceCallOptions,
  ): StreamConnection<Event> {
    const operation = streamOptions.operation ?? operationName(method.path);
    ensureOpen(operation);
    let call: ClientReadableStream<Buffer> | undefined;
    let cancelled = false;
    let readySettled = false;
    let resolveReady: () => void = () => undefined;
    let rejectReady: (error: unknown) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      resolveReady = () => {
        readySettled = true;
        resolve();
      };
      rejectReady = (error) => {
        readySettled = true;
        reject(error);
      };
    });
    // Nobody has to await `ready`; a failure still reaches the reader of the source.
    ready.catch(() => undefined);
    const signal = streamOptions.signal;
    const abort = () => source.cancel();
    const source = createPushSource<Event>({
      ...(streamOptions.highWaterMark === undefined
        ? {}
        : { highWaterMark: streamOptions.highWaterMark }),
      pause: () => call?.pause(),
      resume: () => call?.resume(),
      cancel: () => {
        cancelled = true;
        openSources.delete(source);
        signal?.removeEventListener("abort", abort);
        if (!readySettled) {
          rejectReady(
            new CancelledError(
              `${operation} was closed before the server registered the subscription`,
            ),
          );
        }
        // Cancelling is local: grpc-js resets the HTTP/2 stream and does not wait for
        // the server, so a half-open connection cannot make close() hang.
        call?.cancel();
      },
    });
    signal?.addEventListener("abort", abort, { once: true });
    openSources.add(source);

    const fail = (error: unknown) => {
      const typed = toThreadlineError(error, operation);
      if (!readySettled) rejectReady(typed);
      openSources.delete(source);
      source.fail(typed);
    };
    const emit = (event: Event) => source.push(event);
    let encoded: Buffer;
    try {
      encoded = encodeRequest(method, request, operation);
    } catch (error) {
      fail(error);
      return { source, ready };
    }

    authHeaders()
      .then(metadataFrom)
      .then(
        (metadata) => {
          if (cancelled) return;
          try {
            call = streamClient.makeServerStreamRequest(
              method.path,
              passThrough,
              passThrough,
              encoded,
              metadata,
              {},
            );
          } catch (error) {
            fail(error);
            return;
          }
          const active = call;
          active.on("metadata", () => {
            if (!readySettled) resolveReady();
          });
          active.on("data", (bytes: Buffer) => {
            if (cancelled) return;
            streamOptions.onFrame?.();
            try {
              expand(bytes, emit);
            } catch (error) {
              const typed = ThreadlineError.is(error)
                ? error
                : new ProtocolError(
                    `${operation} sent a frame this SDK cannot decode: ${error instanceof Error ? error.message : String(error)}`,
                    { cause: error, context: { operation } },
                  );
              fail(typed);
              cancelled = true;
              active.cancel();
            }
          });
          active.on("error", (error: unknown) => {
            if (cancelled) return;
            fail(error);
          });
          active.on("end", () => {
            if (cancelled) return;
            if (!readySettled) resolveReady();
            openSources.delete(source);
            source.end();
          });
        },
        (error: unknown) => {
          if (!cancelled) fail(error);
        },
      );
    return { source, ready };
  }

  function stream<RequestDecoded, RequestProperties, ResponseDecoded, ResponseProperties, Event>(
    method: GrpcMethodDefinition<
      RequestDecoded,
      RequestProperties,
      ResponseDecoded,
      ResponseProperties
    >,
    request: RequestProperties,
    map: (frame: ResponseDecoded) => Event | undefined,
    streamOptions: StreamCallOptions = {},
  ): LiveEventStream<Event> {
    const { source, ready } = openSource<RequestProperties, Event>(
      method,
      request,
      expandEach(method, map),
      streamOptions,
    );
    return new LiveEventStream(source, ready);
  }

  return {
    unary,
    stream,
    openSource,
    resetStreamChannel() {
      if (closing !== undefined) return;
      const previous = streamClient;
      streamGeneration += 1;
      streamClient = createStreamClient();
      previous.close();
    },
    register(source) {
      openSources.add(source);
      return () => {
        openSources.delete(source);
      };
    },
    get closed() {
      return closing !== undefined;
    },
    close() {
      if (closing !== undefined) return closing;
      closing = (async () => {
        await Promise.all([...openSources].map((source) => source.cancel()));
        unaryClient.close();
        streamClient.close();
      })();
      return closing;
    },
  };
}
