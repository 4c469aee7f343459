import { CancelledError } from "../errors/error-classes.js";
import { toThreadlineError } from "../errors/grpc-error-mapping.js";
import type { RetryPolicy } from "./retry-options.js";
import type { UnaryInterceptor } from "./unary-interceptor.js";

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(new CancelledError("the call was aborted by its AbortSignal"));
    }
    signal?.addEventListener("abort", aborted, { once: true });
  });
}

/**
 * Retries an attempt that failed with a retryable error (`x-retryable: true`, or
 * UNAVAILABLE), waiting the policy's backoff between attempts. It stops at the policy's
 * `maxAttempts`, when the next wait would pass the call's deadline, when the transport
 * is closing (`isClosing`), or when the call's signal aborts (CancelledError). Every
 * failure it passes on is a ThreadlineError.
 *
 * @internal not covered by semver
 */
export function retryInterceptor(policy: RetryPolicy, isClosing: () => boolean): UnaryInterceptor {
  return (next) => async (request) => {
    const { operation, signal, deadline } = request;
    for (let attemptNumber = 1; ; attemptNumber++) {
      if (signal?.aborted === true) {
        throw new CancelledError(`${operation} was aborted by its AbortSignal`);
      }
      try {
        return await next(request);
      } catch (error) {
        const typed = toThreadlineError(error, operation);
        if (!typed.retryable || attemptNumber >= policy.maxAttempts || isClosing()) throw typed;
        const delay = policy.delay(attemptNumber);
        if (Date.now() + delay >= deadline) throw typed;
        await sleep(delay, signal);
      }
    }
  };
}
