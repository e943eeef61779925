import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { meter, startMetrics } from './metrics';
import { currentTraceId, extractTraceContext, injectTraceContext, SpanKind, startTracing, withSpan } from './tracing';

const exporter = new InMemorySpanExporter();
let tracing: { shutdown(): Promise<void> };
beforeAll(() => {
  tracing = startTracing({ serviceName: 'telemetry-spec', exporter });
});
afterAll(() => tracing.shutdown());
beforeEach(() => exporter.reset());

describe('trace context', () => {
  it('injects the active span as a traceparent carrying its trace id', async () => {
    const { traceId, carrier } = await withSpan('outer', {}, async () => ({ traceId: currentTraceId(), carrier: injectTraceContext() }));
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(carrier.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });

  it('continues the same trace across a carrier, as a message or an event does', async () => {
    const carrier = await withSpan('http request', { kind: SpanKind.SERVER }, async () => injectTraceContext());
    await withSpan('consume', { kind: SpanKind.CONSUMER, parent: extractTraceContext(carrier) }, async () => undefined);
    const [producer, consumer] = exporter.getFinishedSpans();
    expect(consumer!.spanContext().traceId).toBe(producer!.spanContext().traceId);
    expect(consumer!.parentSpanContext?.spanId).toBe(producer!.spanContext().spanId);
  });

  it('starts a new trace when there is nothing to continue', async () => {
    expect(injectTraceContext()).toEqual({});
    await withSpan('orphan', { parent: extractTraceContext(undefined) }, async () => undefined);
    expect(exporter.getFinishedSpans()[0]!.parentSpanContext).toBeUndefined();
  });

  it('records an error on the span and rethrows it', async () => {
    await expect(withSpan('fails', {}, async () => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
    const span = exporter.getFinishedSpans()[0]!;
    expect(span.status.code).toBe(2);
    expect(span.events.some((e) => e.name === 'exception')).toBe(true);
  });
});

describe('logs', () => {
  it('writes JSON lines with the service, and the trace id inside a span', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const log = createLogger('svc', { destination: sink });
    log.info('outside');
    const traceId = await withSpan('work', {}, async () => {
      log.info({ n: 1 }, 'inside');
      return currentTraceId();
    });
    const [outside, inside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(outside).toMatchObject({ service: 'svc', level: 'info', msg: 'outside' });
    expect(outside!['trace_id']).toBeUndefined();
    expect(inside).toMatchObject({ service: 'svc', msg: 'inside', n: 1, trace_id: traceId });
  });
});

describe('metrics', () => {
  it('serves a counter to Prometheus', async () => {
    const handle = await startMetrics({ serviceName: 'telemetry-spec', prometheusPort: 0 });
    try {
      expect(handle.port).toBeGreaterThan(0);
      expect(handle.port).not.toBe(9464); // 0 means any free port, not the exporter's default
      meter().createCounter('outcomes_spec_things_total', { description: 'things' }).add(3, { kind: 'a' });
      const body = await (await fetch(`http://127.0.0.1:${handle.port}/metrics`)).text();
      expect(body).toMatch(/outcomes_spec_things_total\{[^}]*kind="a"[^}]*\} 3/);
    } finally {
      await handle.shutdown();
    }
  });
});
