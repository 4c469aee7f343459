/**
 * Thrown by either engine's writes after `close()`. The wire layers answer it as the
 * server shutting down: UNAVAILABLE, retryable against the restarted server.
 */
export class StoreClosedError extends Error {
  override readonly name = "StoreClosedError";
  constructor() {
    super("the store is closed; no more writes are accepted");
  }
}
