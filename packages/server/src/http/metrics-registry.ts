import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { WebhookRejection } from "./webhook-server.js";

/** The kinds of log a live subscriber follows (a small, fixed label set). */
export type LiveLogKind = "account" | "whatsapp_number";

/** Values read at scrape time, so the hot path does not touch them. */
export interface MetricsSources {
  /** Live subscribers registered now, per log kind. */
  liveSubscribers(kind: LiveLogKind): number;
  /** Subscribers cut off so far for falling behind, per log kind. */
  slowSubscriberCuts(kind: LiveLogKind): number;
  /** Catch-up streams (CatchUpEvents, CatchUpEventBatches) open now. */
  catchUpStreamsOpen(): number;
}

/** One server's Prometheus metrics, in a registry of its own (never the global one). */
export interface ServerMetrics {
  readonly registry: Registry;
  /** One durable group commit: how many writes it carried and how long it took. */
  observeCommit(writes: number, seconds: number): void;
  /** Events appended to account logs by a commit. */
  countAppends(events: number): void;
  /** A webhook POST answered 200: the events it appended and the redeliveries it skipped. */
  countWebhookAccepted(eventsAppended: number, duplicatesSkipped: number): void;
  /** A webhook call refused, by reason. */
  countWebhookRejected(reason: WebhookRejection): void;
  /** The exposition text and its content type, for `GET /metrics`. */
  scrape(): Promise<{ readonly contentType: string; readonly body: string }>;
}

const logKinds: readonly LiveLogKind[] = ["account", "whatsapp_number"];
const rejectionReasons: readonly WebhookRejection[] = [
  "bad_signature",
  "body_too_large",
  "malformed_json",
  "malformed_payload",
  "unknown_number",
  "verify_failed",
  "not_found",
  "method_not_allowed",
  "store_unavailable",
];

/**
 * Creates the metrics of one server. Counters and histograms are updated once per
 * commit or per webhook call (never per event with a label); gauges and the cut
 * counter read `sources` when scraped.
 */
export function createServerMetrics(sources?: MetricsSources): ServerMetrics {
  const registry = new Registry();
  const appends = new Counter({
    name: "threadline_events_appended_total",
    help: "Events appended to account logs (durably committed).",
    registers: [registry],
  });
  const batchWrites = new Histogram({
    name: "threadline_commit_batch_writes",
    help: "Writes carried by one group commit (one transaction, one fsync).",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
    registers: [registry],
  });
  const commitSeconds = new Histogram({
    name: "threadline_commit_duration_seconds",
    help: "Time from BEGIN to a durable COMMIT of one group commit.",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const webhooksAccepted = new Counter({
    name: "threadline_whatsapp_webhooks_accepted_total",
    help: "Webhook POSTs answered 200 after their commit.",
    registers: [registry],
  });
  const webhookEvents = new Counter({
    name: "threadline_whatsapp_webhook_events_appended_total",
    help: "Events appended to number logs by webhooks.",
    registers: [registry],
  });
  const webhookDuplicates = new Counter({
    name: "threadline_whatsapp_webhook_duplicates_skipped_total",
    help: "Redelivered messages and statuses that added nothing.",
    registers: [registry],
  });
  const webhooksRejected = new Counter({
    name: "threadline_whatsapp_webhooks_rejected_total",
    help: "Webhook calls refused, by reason.",
    labelNames: ["reason"],
    registers: [registry],
  });
  // Every reason is listed from the start, at 0.
  for (const reason of rejectionReasons) webhooksRejected.inc({ reason }, 0);

  if (sources !== undefined) {
    new Gauge({
      name: "threadline_live_subscribers",
      help: "Live event streams open now, by the kind of log they follow.",
      labelNames: ["log"],
      registers: [registry],
      collect() {
        for (const log of logKinds) this.set({ log }, sources.liveSubscribers(log));
      },
    });
    new Counter({
      name: "threadline_slow_subscriber_cuts_total",
      help: "Live streams ended with SUBSCRIBER_TOO_SLOW because the client fell behind.",
      labelNames: ["log"],
      registers: [registry],
      collect() {
        this.reset();
        for (const log of logKinds) this.inc({ log }, sources.slowSubscriberCuts(log));
      },
    });
    new Gauge({
      name: "threadline_catch_up_streams_open",
      help: "Catch-up streams (CatchUpEvents, CatchUpEventBatches) open now.",
      registers: [registry],
      collect() {
        this.set(sources.catchUpStreamsOpen());
      },
    });
  }

  return {
    registry,
    observeCommit(writes, seconds) {
      batchWrites.observe(writes);
      commitSeconds.observe(seconds);
    },
    countAppends(events) {
      appends.inc(events);
    },
    countWebhookAccepted(eventsAppended, duplicatesSkipped) {
      webhooksAccepted.inc();
      webhookEvents.inc(eventsAppended);
      webhookDuplicates.inc(duplicatesSkipped);
    },
    countWebhookRejected(reason) {
      webhooksRejected.inc({ reason });
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
