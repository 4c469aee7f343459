/**
 * One attempt, or one logical call, of a unary RPC as the transport's interceptors see
 * it. Interceptors never change `message`; they add `headers`.
 *
 * @internal not covered by semver
 */
export interface UnaryRequest<Response> {
  readonly method: {
    readonly path: string;
    responseDeserialize(bytes: Buffer): Response;
  };
  /** `"ChatService.CreateChat"`: how errors name the call. */
  readonly operation: string;
  /** The encoded request. */
  readonly message: Buffer;
  /** Metadata to send, besides what later interceptors add. */
  readonly headers: Readonly<Record<string, string>>;
  /** Epoch milliseconds by which the whole logical call, retries included, must finish. */
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  /** The call changes state, so it carries an idempotency key. */
  readonly mutating: boolean;
  /** The caller's idempotency key for a mutating call, if it chose one. */
  readonly idempotencyKey: string | undefined;
}

/**
 * Runs a unary request: the next interceptor, or in the end the transport's one
 * attempt. Rejects with a ThreadlineError.
 *
 * @internal not covered by semver
 */
export type UnaryNext = <Response>(request: UnaryRequest<Response>) => Promise<Response>;

/**
 * Wraps a call in one concern (retries, idempotency keys, auth), the way connect-es
 * interceptors do: it takes `next` and returns a call that does its part around it.
 *
 * @internal not covered by semver
 */
export type UnaryInterceptor = (next: UnaryNext) => UnaryNext;

/**
 * Wraps `attempt` in `interceptors`; the first one listed is the outermost, so it sees
 * the logical call and the last one sees each attempt.
 *
 * @internal not covered by semver
 */
export function applyInterceptors(
  interceptors: readonly UnaryInterceptor[],
  attempt: UnaryNext,
): UnaryNext {
  let call = attempt;
  for (let index = interceptors.length - 1; index >= 0; index--) {
    const interceptor = interceptors[index];
    if (interceptor !== undefined) call = interceptor(call);
  }
  return call;
}
