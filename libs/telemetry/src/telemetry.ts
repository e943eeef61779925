import { startMetrics, type MetricsHandler } from './metrics';
import { startTracing, type SpanExporter } from './tracing';

export interface TelemetryOptions {
  readonly serviceName: string;
  /** OTLP/HTTP collector base URL (e.g. http://collector:4318); traces are not exported without it. */
  readonly otlpEndpoint?: string;
  /** Port of the Prometheus `/metrics` endpoint; 0 picks a free one; no endpoint when absent. */
  readonly prometheusPort?: number;
  /** Extra span exporter, e.g. an InMemorySpanExporter in tests. */
  readonly spanExporter?: SpanExporter;
}

export interface Telemetry {
  /** The port `/metrics` is served on, when it is. */
  readonly metricsPort: number | undefined;
  /** The Prometheus scrape handler, to mount in an HTTP server of the caller's own instead. */
  readonly metricsHandler: MetricsHandler | undefined;
  /** Flushes and releases this start's share of tracing and metrics. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Tracing and metrics for one service process. Safe to call more than once (tests do, before the service
 * runtime does): later calls join the running setup, and each returned handle must be shut down.
 */
export async function startTelemetry(opts: TelemetryOptions): Promise<Telemetry> {
  const tracing = startTracing({
    serviceName: opts.serviceName,
    ...(opts.otlpEndpoint ? { otlpEndpoint: opts.otlpEndpoint } : {}),
    ...(opts.spanExporter ? { exporter: opts.spanExporter } : {}),
  });
  // A taken port fails the start; release the tracing share too, so a retry starts from a clean slate.
  const metrics = await startMetrics({
    serviceName: opts.serviceName,
    ...(opts.prometheusPort !== undefined ? { prometheusPort: opts.prometheusPort } : {}),
  }).catch(async (err: unknown) => {
    await tracing.shutdown();
    throw err;
  });
  let done: Promise<void> | undefined;
  return {
    metricsPort: metrics.port,
    metricsHandler: metrics.metricsHandler,
    shutdown: () => (done ??= Promise.all([metrics.shutdown(), tracing.shutdown()]).then(() => undefined)),
  };
}
