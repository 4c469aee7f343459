import {
  type Attributes,
  type Meter,
  metrics,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { DomainEvent } from "@threadline/core";
import type { EventHandler } from "./checkpoint-queue.js";
import { invalidArgument } from "./errors.js";
import { type RecoverOptions, type Recovery, recover } from "./recover.js";

/** Where {@link recoverWithTelemetry} reports. Both default to the global providers. */
export interface RecoveryTelemetryOptions {
  /** Tracer for one span per handler run. Default `trace.getTracer("@threadline/recovery")`. */
  readonly tracer?: Tracer;
  /** Meter for the lag and in-flight gauges. Default `metrics.getMeter("@threadline/recovery")`. */
  readonly meter?: Meter;
}

/** The span, metric and attribute names {@link recoverWithTelemetry} uses. */
export const telemetryNames = {
  instrumentationScope: "@threadline/recovery",
  /** Span name prefix; the event type follows, e.g. `threadline.recovery.handle message.received`. */
  handlerSpan: "threadline.recovery.handle",
  lagGauge: "threadline.recovery.lag",
  inFlightGauge: "threadline.recovery.in_flight",
  keyAttribute: "threadline.recovery.key",
  sequenceAttribute: "threadline.event.sequence",
  typeAttribute: "threadline.event.type",
  attemptAttribute: "threadline.handler.attempt",
} as const;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * {@link recover} with OpenTelemetry: each handler run is a span (kind CONSUMER, with
 * the event's sequence and type, the checkpoint key and the attempt number; a thrown
 * error is recorded and sets the status to ERROR), and two observable gauges report
 * the recovery's `lag` and `inFlight` per key while it runs. The gauges are removed
 * once the recovery stops.
 *
 * @throws what `recover()` throws, and ValidationError for a tracer or meter that is
 * not one.
 */
export async function recoverWithTelemetry(
  options: RecoverOptions,
  telemetry: RecoveryTelemetryOptions = {},
): Promise<Recovery> {
  if (typeof telemetry !== "object" || telemetry === null) {
    throw invalidArgument("telemetry", "an object like { tracer?, meter? }", telemetry);
  }
  if (telemetry.tracer !== undefined && typeof telemetry.tracer.startActiveSpan !== "function") {
    throw invalidArgument("telemetry.tracer", "an OpenTelemetry Tracer", telemetry.tracer);
  }
  if (
    telemetry.meter !== undefined &&
    typeof telemetry.meter.createObservableGauge !== "function"
  ) {
    throw invalidArgument("telemetry.meter", "an OpenTelemetry Meter", telemetry.meter);
  }
  if (typeof options !== "object" || options === null || typeof options.handler !== "function") {
    // recover() says what is wrong with the options.
    return recover(options);
  }
  const tracer = telemetry.tracer ?? trace.getTracer(telemetryNames.instrumentationScope);
  const meter = telemetry.meter ?? metrics.getMeter(telemetryNames.instrumentationScope);
  const handler = options.handler;
  const traced: EventHandler<DomainEvent> = (event, context) =>
    tracer.startActiveSpan(
      `${telemetryNames.handlerSpan} ${event.type}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          [telemetryNames.keyAttribute]: context.key,
          [telemetryNames.sequenceAttribute]: event.sequence,
          [telemetryNames.typeAttribute]: event.type,
          [telemetryNames.attemptAttribute]: context.attempt,
        },
      },
      async (span) => {
        try {
          await handler(event, context);
          span.setStatus({ code: SpanStatusCode.OK });
        } catch (error) {
          span.recordException(error instanceof Error ? error : describe(error));
          span.setStatus({ code: SpanStatusCode.ERROR, message: describe(error) });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  const recovery = await recover({ ...options, handler: traced });
  const attributes: Attributes = { [telemetryNames.keyAttribute]: options.key };
  const lag = meter.createObservableGauge(telemetryNames.lagGauge, {
    description: "Events known to exist above the recovery's checkpoint",
    unit: "{event}",
  });
  const inFlight = meter.createObservableGauge(telemetryNames.inFlightGauge, {
    description: "Events admitted above the checkpoint and not yet passed by it",
    unit: "{event}",
  });
  const observe = (result: {
    observe(observable: typeof lag, value: number, attributes?: Attributes): void;
  }) => {
    const progress = recovery.progress();
    result.observe(lag, progress.lag, attributes);
    result.observe(inFlight, progress.inFlight, attributes);
  };
  meter.addBatchObservableCallback(observe, [lag, inFlight]);
  const forget = () => meter.removeBatchObservableCallback(observe, [lag, inFlight]);
  recovery.done.then(forget, forget);
  return recovery;
}
