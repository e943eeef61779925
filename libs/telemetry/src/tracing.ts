import { context, propagation, trace, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
// The env-free SDK core: the *-base/-node flavours fill unset options from OTEL_* variables, and this lib
// takes its configuration only from its callers.
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export type { ReadableSpan, SpanExporter };

export interface TracingOptions {
  readonly serviceName: string;
  /** OTLP/HTTP collector base URL (e.g. http://collector:4318); spans leave the process only when set. */
  readonly otlpEndpoint?: string;
  /** Extra exporter fed as each span ends, e.g. an InMemorySpanExporter in tests. */
  readonly exporter?: SpanExporter;
  /** Records spans even when nothing exports them, so trace ids still reach logs, messages and events. */
  readonly record?: boolean;
}

export interface TracingHandle {
  /** Detaches this call's exporters; the last handle out also unregisters the provider. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Span processors can only be given to a provider when it is built; this one lets each `startTracing` call
 * attach its exporters to the single process-wide provider, and detach them again.
 */
class FanOutProcessor implements SpanProcessor {
  readonly processors = new Set<SpanProcessor>();
  onStart(span: Span, parent: Context): void {
    for (const p of this.processors) p.onStart(span, parent);
  }
  onEnd(span: ReadableSpan): void {
    for (const p of this.processors) p.onEnd(span);
  }
  async forceFlush(): Promise<void> {
    await Promise.all([...this.processors].map((p) => p.forceFlush()));
  }
  async shutdown(): Promise<void> {
    await Promise.all([...this.processors].map((p) => p.shutdown()));
    this.processors.clear();
  }
}

interface Registered {
  readonly provider: TracerProvider;
  readonly fanOut: FanOutProcessor;
  handles: number;
}

let registered: Registered | undefined;

/**
 * Registers a tracer provider, the W3C trace-context propagator and an async-local context manager as the
 * process globals, when there is something to record spans for: an exporter, or `record`. Otherwise tracing
 * stays off and costs nothing: on Node 20 the async-local context hooks every promise the process makes,
 * and with the spans the auction bench ran at 544-731/s against 766-880/s without (docs/benchmarks.md,
 * "Seventh round"). With tracing off no trace context is active, so none is passed on either.
 *
 * One provider serves the whole process: a second call while it runs (tests start tracing before the service
 * runtime does) joins it — its exporters are attached, its service name is not used.
 */
export function startTracing(opts: TracingOptions): TracingHandle {
  if (!registered && opts.otlpEndpoint === undefined && opts.exporter === undefined && opts.record !== true) return { shutdown: () => Promise.resolve() };
  const reg = (registered ??= register(opts.serviceName));
  reg.handles++;
  const own: SpanProcessor[] = [];
  if (opts.otlpEndpoint) {
    own.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${opts.otlpEndpoint.replace(/\/+$/, '')}/v1/traces` }) }));
  }
  // Simple (export on end) so a test reads its spans as soon as the traced call returns.
  if (opts.exporter) own.push(new SimpleSpanProcessor({ exporter: opts.exporter }));
  own.forEach((p) => reg.fanOut.processors.add(p));

  let done: Promise<void> | undefined;
  return {
    shutdown: () =>
      (done ??= (async () => {
        own.forEach((p) => reg.fanOut.processors.delete(p));
        await Promise.all(own.map((p) => p.shutdown()));
        if (--reg.handles === 0 && registered === reg) await unregister(reg);
      })()),
  };
}

function register(serviceName: string): Registered {
  const fanOut = new FanOutProcessor();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [fanOut],
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return { provider, fanOut, handles: 0 };
}

async function unregister(reg: Registered): Promise<void> {
  registered = undefined;
  // Globals go first so nothing starts spans on a provider that is shutting down.
  trace.disable();
  context.disable();
  propagation.disable();
  await reg.provider.shutdown();
}
