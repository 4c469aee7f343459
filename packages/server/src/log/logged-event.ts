/** One committed log entry as the live hub and the log readers see it. */

export { kindCodes, kindFromCode } from "../storage/event-kind-codes.js";
export type { LoggedEvent } from "../storage/repositories/event-log-repository.js";
