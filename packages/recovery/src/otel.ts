/**
 * `@threadline/recovery/otel`: {@link recoverWithTelemetry}, `recover()` reporting to
 * OpenTelemetry (needs the optional peer `@opentelemetry/api`). The main entry never
 * imports OpenTelemetry, so a recovery without it pays nothing.
 */
export {
  type RecoveryTelemetryOptions,
  recoverWithTelemetry,
  telemetryNames,
} from "./recovery-telemetry.js";
