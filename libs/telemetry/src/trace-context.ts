import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

export { SpanKind };
export type { Attributes, Context, Span };

// Our own propagator rather than the global one: the carrier is W3C trace context by contract (NATS headers,
// event metadata), so it must not change with whatever another library registered, nor stop working after
// telemetry shut down while a process is still draining messages.
const w3c = new W3CTraceContextPropagator();
const TRACE_KEYS = ['traceparent', 'tracestate'] as const;

/** The trace context as it travels: in NATS headers and in event metadata. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

export type HeaderSetter = (key: string, value: string) => void;
export type HeaderGetter = (key: string) => string | undefined;

/** Writes the trace context of `ctx` (the active one by default) through any header API, e.g. NATS `MsgHdrs.set`. */
export function injectInto(set: HeaderSetter, ctx: Context = context.active()): void {
  w3c.inject(ctx, undefined, { set: (_carrier, key, value) => set(key, value) });
}

/**
 * A context whose parent is the trace read through `get`, e.g. NATS `MsgHdrs.get`. The base is the root context,
 * not the active one, so a consumer never joins whatever trace happened to be active when it polled.
 */
export function extractFrom(get: HeaderGetter, base: Context = ROOT_CONTEXT): Context {
  return w3c.extract(base, undefined, { get: (_carrier, key) => get(key), keys: () => [...TRACE_KEYS] });
}

/** The active trace context, ready to put in headers or metadata (empty outside a sampled or remote span). */
export function injectTraceContext(ctx: Context = context.active()): TraceCarrier {
  const out: TraceCarrier = {};
  injectInto((key, value) => {
    if (key === 'traceparent' || key === 'tracestate') out[key] = value;
  }, ctx);
  return out;
}

/** A context whose parent is the carried trace; the root context when there is none or it is malformed. */
export function extractTraceContext(carrier: Readonly<TraceCarrier> | Readonly<Record<string, unknown>> | undefined): Context {
  if (!carrier) return ROOT_CONTEXT;
  const fields = carrier as Readonly<Record<string, unknown>>;
  return extractFrom((key) => {
    const value = fields[key];
    return typeof value === 'string' ? value : undefined;
  });
}

export interface WithSpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** Parent context, e.g. from `extractTraceContext`; the active context when absent. */
  readonly parent?: Context;
  /** Instrumentation scope the span is reported under. */
  readonly tracer?: string;
}

/** Runs `fn` inside a new active span; a thrown error is recorded on the span, marks it failed and is rethrown. */
export async function withSpan<T>(name: string, opts: WithSpanOptions, fn: (span: Span) => T | Promise<T>): Promise<T> {
  const parent = opts.parent ?? context.active();
  const span = trace
    .getTracer(opts.tracer ?? 'outcomes')
    .startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, ...(opts.attributes ? { attributes: opts.attributes } : {}) }, parent);
  try {
    const result = await context.with(trace.setSpan(parent, span), () => fn(span));
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

/** The trace id of the active span, for logs and error reports; undefined outside a span. */
export function currentTraceId(): string | undefined {
  return activeSpanContext()?.traceId;
}

export function currentSpanId(): string | undefined {
  return activeSpanContext()?.spanId;
}

function activeSpanContext() {
  const sc = trace.getSpanContext(context.active());
  return sc && trace.isSpanContextValid(sc) ? sc : undefined;
}
