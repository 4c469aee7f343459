import { type ErrorCode, ServerError } from "../errors/server-error.js";

/** Meta's error object: `{ "error": { message, type, code, error_subcode, error_data, fbtrace_id } }`. */
export interface GraphError {
  readonly message: string;
  readonly code: number | undefined;
  readonly details: string | undefined;
  readonly fbtraceId: string | undefined;
}

// Meta's throttling codes: app, user, page and WhatsApp account rate limits, spam
// rate limit, pair rate limit and the per-number throughput caps.
const rateLimitCodes = new Set([4, 17, 32, 613, 80007, 130429, 131048, 131056, 133016]);
// Access token invalid or expired; authentication failed.
const authenticationCodes = new Set([0, 102, 190]);
// Permission not granted, capability missing, or the account is restricted.
const permissionCodes = new Set([3, 10, 131005, 131031, 368]);
// Meta's own temporary failures.
const temporaryCodes = new Set([1, 2, 131000, 131016, 133004]);

/** Reads Meta's error object from a response body; undefined when it has none. */
export function readGraphError(body: unknown): GraphError | undefined {
  if (typeof body !== "object" || body === null || !("error" in body)) return undefined;
  const error: unknown = body.error;
  if (typeof error !== "object" || error === null) return undefined;
  const field = (key: string): unknown =>
    key in error ? (error as Record<string, unknown>)[key] : undefined;
  const data = field("error_data");
  const details =
    typeof data === "object" &&
    data !== null &&
    "details" in data &&
    typeof data.details === "string"
      ? data.details
      : undefined;
  const message = field("message");
  const code = field("code");
  const trace = field("fbtrace_id");
  return {
    message: typeof message === "string" ? message : "the Graph API reported an error",
    code: typeof code === "number" ? code : undefined,
    details,
    fbtraceId: typeof trace === "string" ? trace : undefined,
  };
}

/**
 * The ServerError a Graph API failure becomes: authentication → UNAUTHENTICATED,
 * permission → PERMISSION_DENIED, Meta's rate-limit codes → RESOURCE_EXHAUSTED
 * (retryable), invalid parameters → INVALID_ARGUMENT with Meta's message, 5xx and
 * Meta's temporary codes → UNAVAILABLE (retryable). Meta's code and trace id travel in
 * the `graph-error-code` and `graph-fbtrace-id` trailers.
 */
export function graphFailure(
  httpStatus: number,
  error: GraphError | undefined,
  operation: string,
): ServerError {
  const code = error?.code;
  const said =
    error === undefined
      ? `HTTP ${httpStatus}`
      : `${error.message}${error.details === undefined ? "" : ` (${error.details})`}`;
  const trailers: Record<string, string> = {};
  if (code !== undefined) trailers["graph-error-code"] = String(code);
  if (error?.fbtraceId !== undefined) trailers["graph-fbtrace-id"] = error.fbtraceId;
  const make = (errorCode: ErrorCode, message: string, retryable: boolean) =>
    new ServerError(errorCode, message, { retryable: retryable, trailers: trailers });

  if ((code !== undefined && rateLimitCodes.has(code)) || httpStatus === 429) {
    return make(
      "RESOURCE_EXHAUSTED",
      `the Graph API rate-limited ${operation}: ${said}; retry later`,
      true,
    );
  }
  if ((code !== undefined && authenticationCodes.has(code)) || httpStatus === 401) {
    return make(
      "UNAUTHENTICATED",
      `the Graph API refused the number's access token for ${operation}: ${said}`,
      false,
    );
  }
  if ((code !== undefined && permissionCodes.has(code)) || httpStatus === 403) {
    return make("PERMISSION_DENIED", `the Graph API denied ${operation}: ${said}`, false);
  }
  if (httpStatus >= 500 || (code !== undefined && temporaryCodes.has(code))) {
    return make(
      "UNAVAILABLE",
      `the Graph API is unavailable for ${operation}: ${said}; retry later`,
      true,
    );
  }
  if (httpStatus === 404) {
    return make("NOT_FOUND", `the Graph API found nothing for ${operation}: ${said}`, false);
  }
  if (httpStatus >= 400 && httpStatus < 500) {
    return make("INVALID_ARGUMENT", `the Graph API rejected ${operation}: ${said}`, false);
  }
  return make(
    "INTERNAL",
    `the Graph API answered ${operation} with unexpected HTTP ${httpStatus}`,
    false,
  );
}

/** UNAVAILABLE (retryable): the Graph API could not be reached at all. */
export function graphUnreachable(operation: string, cause: unknown): ServerError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ServerError(
    "UNAVAILABLE",
    `the Graph API could not be reached for ${operation} (${reason}); retry later`,
    { retryable: true },
  );
}
