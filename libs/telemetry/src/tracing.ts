import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export { SpanKind };

export interface TracingOptions {
  readonly serviceName: string;
  /** OTLP/HTTP collector base URL (e.g. http://collector:4318); no export without it. */
  readonly otlpEndpoint?: string;
  /** For tests: an exporter whose spans are exported as each span ends. */
  readonly exporter?: SpanExporter;
}

let provider: NodeTracerProvider | undefined;

/**
 * Registers a tracer provider with W3C trace-context propagation. Spans are always created (so
 * trace ids reach logs and message headers); they leave the process only when an exporter is set.
 */
export function startTracing(opts: TracingOptions): { shutdown(): Promise<void> } {
  if (provider) return { shutdown: stopTracing };
  const spanProcessors: SpanProcessor[] = [];
  if (opts.otlpEndpoint) {
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${opts.otlpEndpoint.replace(/\/$/, '')}/v1/traces` })));
  }
  if (opts.exporter) spanProcessors.push(new SimpleSpanProcessor(opts.exporter));
  provider = new NodeTracerProvider({ resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.serviceName }), spanProcessors });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return { shutdown: stopTracing };
}

async function stopTracing(): Promise<void> {
  const p = provider;
  provider = undefined;
  if (!p) return;
  await p.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
}

/** The trace context as it travels: in NATS headers and in event metadata. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The active trace context, ready to put in headers or metadata (empty outside a span). */
export function injectTraceContext(ctx: Context = context.active()): TraceCarrier {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  const out: TraceCarrier = {};
  if (carrier['traceparent']) out.traceparent = carrier['traceparent'];
  if (carrier['tracestate']) out.tracestate = carrier['tracestate'];
  return out;
}

/** A context whose parent is the carried trace (the root context when there is none). */
export function extractTraceContext(carrier: Readonly<TraceCarrier> | Readonly<Record<string, unknown>> | undefined): Context {
  if (!carrier) return ROOT_CONTEXT;
  const flat: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate'] as const) {
    const v = (carrier as Record<string, unknown>)[key];
    if (typeof v === 'string') flat[key] = v;
  }
  return propagation.extract(ROOT_CONTEXT, flat);
}

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** Parent context; the active one when absent. */
  readonly parent?: Context;
  readonly tracer?: string;
}

/** Runs `fn` in a new active span; records a thrown error on the span and rethrows it. */
export async function withSpan<T>(name: string, opts: SpanOptions, fn: () => Promise<T>): Promise<T> {
  const tracer = trace.getTracer(opts.tracer ?? 'outcomes');
  const parent = opts.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, ...(opts.attributes ? { attributes: opts.attributes } : {}) }, parent);
  try {
    const result = await context.with(trace.setSpan(parent, span), fn);
    span.setStatus({ code: SpanStatusCode.OK });
    return result;
  } catch (err) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}

export function currentTraceId(): string | undefined {
  const sc = trace.getSpan(context.active())?.spanContext();
  return sc && trace.isSpanContextValid(sc) ? sc.traceId : undefined;
}

export function currentSpanId(): string | undefined {
  const sc = trace.getSpan(context.active())?.spanContext();
  return sc && trace.isSpanContextValid(sc) ? sc.spanId : undefined;
}
