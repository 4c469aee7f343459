import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { createClient, type DomainEvent } from "@threadline/core";
import { ChatServiceDefinition, MessageServiceDefinition, photon } from "@threadline/protocol";
import { startTestServer } from "@threadline/server/testing";
import { describe, expect, it } from "vitest";
import { createMemoryCheckpointStore } from "../src/memory-checkpoint-store.js";
import {
  type RecoveryTelemetryOptions,
  recoverWithTelemetry,
  telemetryNames,
} from "../src/otel.js";

/** A metric reader that collects on demand, in memory. */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function gauge(metrics: ResourceMetrics, name: string) {
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name === name) return metric.dataPoints;
    }
  }
  return [];
}

describe("@threadline/recovery/otel", () => {
  it("records a span per handler run (errors included) and gauges for lag and in-flight per key", async () => {
    await using server = await startTestServer();
    const alice = await server.accounts.create(["alice@example.com"]);
    await server.accounts.create(["bob@example.com"]);
    const writer = createClient({ address: server.address, token: alice.token });
    const client = createClient({ address: server.address, token: alice.token });
    try {
      const chat = await writer.context.unary(
        ChatServiceDefinition.createChat,
        {
          addresses: ["bob@example.com"],
          service: photon.imessage.v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE,
          initialMessage: { text: "first" },
        },
        { mutating: true },
      );
      const chatGuid = chat.chat?.guid;
      if (typeof chatGuid !== "string") throw new Error("no chat GUID");
      for (let index = 2; index <= 3; index++) {
        await writer.context.unary(
          MessageServiceDefinition.sendTextMessage,
          { chatGuid, text: `message ${index}` },
          { mutating: true },
        );
      }
      const head = (await writer.events.getLogInfo()).headSequence;
      const exporter = new InMemorySpanExporter();
      const tracer = new BasicTracerProvider({
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      }).getTracer("test");
      const reader = new OnDemandReader();
      const meter = new MeterProvider({ readers: [reader] }).getMeter("test");
      let failedOnce = false;
      const recovery = await recoverWithTelemetry(
        {
          client,
          store: createMemoryCheckpointStore(),
          key: "bot",
          retry: { maxAttempts: 2, initialDelay: 1 },
          handler: (event: DomainEvent) => {
            if (event.sequence === 2 && !failedOnce) {
              failedOnce = true;
              throw new Error("first run of 2 fails");
            }
          },
        },
        { tracer, meter },
      );
      await recovery.caughtUp;
      const { resourceMetrics } = await reader.collect();
      expect(gauge(resourceMetrics, telemetryNames.lagGauge)).toMatchObject([
        { attributes: { [telemetryNames.keyAttribute]: "bot" }, value: 0 },
      ]);
      expect(gauge(resourceMetrics, telemetryNames.inFlightGauge)).toMatchObject([
        { attributes: { [telemetryNames.keyAttribute]: "bot" }, value: 0 },
      ]);
      await recovery.close();

      const spans = exporter.getFinishedSpans();
      // One span per run: every event once, plus the retry of sequence 2.
      expect(spans).toHaveLength(head + 1);
      const ofTwo = spans.filter((span) => span.attributes[telemetryNames.sequenceAttribute] === 2);
      expect(ofTwo.map((span) => span.status.code)).toEqual([
        SpanStatusCode.ERROR,
        SpanStatusCode.OK,
      ]);
      expect(ofTwo.map((span) => span.attributes[telemetryNames.attemptAttribute])).toEqual([1, 2]);
      expect(ofTwo[0]?.events.map((event) => event.name)).toContain("exception");
      for (const span of spans) {
        expect(span.kind).toBe(SpanKind.CONSUMER);
        expect(span.name.startsWith(`${telemetryNames.handlerSpan} `)).toBe(true);
        expect(span.attributes[telemetryNames.keyAttribute]).toBe("bot");
      }
    } finally {
      await client.close();
      await writer.close();
    }
  });

  it("rejects a tracer or meter that is not one, saying what is expected", async () => {
    const options = {
      client: createClient({ address: "127.0.0.1:1", token: "t" }),
      store: createMemoryCheckpointStore(),
      key: "bot",
      handler: () => undefined,
    };
    try {
      const notATracer: unknown = {};
      await expect(
        recoverWithTelemetry(options, {
          tracer: notATracer as NonNullable<RecoveryTelemetryOptions["tracer"]>,
        }),
      ).rejects.toThrow("telemetry.tracer must be an OpenTelemetry Tracer");
    } finally {
      await options.client.close();
    }
  });

  it("the main entry never imports @opentelemetry/api (telemetry costs nothing when unused)", () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, "utf8");
      expect(text, file).not.toMatch(/from "@opentelemetry\//);
      for (const match of text.matchAll(/from "(\.\.?\/[^"]+)\.js"/g)) {
        const target = match[1];
        if (target !== undefined) visit(resolve(dirname(file), `${target}.ts`));
      }
    };
    visit(join(here, "../src/index.ts"));
    expect(seen.size).toBeGreaterThan(5);
  });
});
