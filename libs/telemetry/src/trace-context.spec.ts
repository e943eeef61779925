import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  currentSpanId,
  currentTraceId,
  extractFrom,
  extractTraceContext,
  injectInto,
  injectTraceContext,
  SpanKind,
  withSpan,
  type TraceCarrier,
} from './trace-context';
import { startTracing, type TracingHandle } from './tracing';

const exporter = new InMemorySpanExporter();
let tracing: TracingHandle;
beforeAll(() => {
  tracing = startTracing({ serviceName: 'trace-context-spec', exporter });
});
afterAll(() => tracing.shutdown());
beforeEach(() => exporter.reset());

const finished = (name: string): ReadableSpan => {
  const span = exporter.getFinishedSpans().find((s) => s.name === name);
  if (!span) throw new Error(`no finished span named ${name}`);
  return span;
};
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

describe('injectTraceContext', () => {
  it('gives the traceparent of the span active inside withSpan', async () => {
    const carrier = await withSpan('outer', {}, () => injectTraceContext());
    const span = finished('outer').spanContext();
    const [, traceId, spanId] = TRACEPARENT.exec(carrier.traceparent ?? '') ?? [];
    expect(traceId).toBe(span.traceId);
    expect(spanId).toBe(span.spanId);
  });

  it('is empty outside any span', () => {
    expect(injectTraceContext()).toEqual({});
    expect(currentTraceId()).toBeUndefined();
  });
});

describe('extractTraceContext', () => {
  it('continues the trace of the carrier in a span started elsewhere, as a NATS consumer does', async () => {
    const carrier = await withSpan('http request', { kind: SpanKind.SERVER }, () => injectTraceContext());
    // Serialised and read back, the way it travels in event metadata.
    const travelled = JSON.parse(JSON.stringify({ ...carrier })) as Record<string, unknown>;
    const inside = await withSpan('consume', { kind: SpanKind.CONSUMER, parent: extractTraceContext(travelled) }, () => currentTraceId());
    const producer = finished('http request');
    const consumer = finished('consume');
    expect(consumer.spanContext().traceId).toBe(producer.spanContext().traceId);
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    expect(inside).toBe(producer.spanContext().traceId);
  });

  it('keeps tracestate along with traceparent', async () => {
    const carrier: TraceCarrier = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=abc' };
    const again = await withSpan('child', { parent: extractTraceContext(carrier) }, () => injectTraceContext());
    expect(again.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-(?!b7ad6b7169203331)[0-9a-f]{16}-01$/);
    expect(again.tracestate).toBe('vendor=abc');
  });

  it.each([
    ['no carrier', undefined],
    ['an empty carrier', {}],
    ['a malformed traceparent', { traceparent: 'not-a-trace' }],
  ])('starts a new trace from %s', async (_what, carrier) => {
    const outer = await withSpan('ambient', {}, () =>
      // The ambient span must not be adopted: a consumer is not part of whatever trace was active.
      withSpan('fresh', { parent: extractTraceContext(carrier) }, () => currentTraceId()),
    );
    expect(finished('fresh').parentSpanContext).toBeUndefined();
    expect(outer).toBe(finished('fresh').spanContext().traceId);
    expect(outer).not.toBe(finished('ambient').spanContext().traceId);
  });
});

describe('header getter and setter', () => {
  it('round-trips through a header API that answers "" for missing keys, like NATS MsgHdrs', async () => {
    const headers = new Map<string, string>();
    const set = (k: string, v: string) => headers.set(k, v);
    const get = (k: string) => headers.get(k) ?? '';
    await withSpan('publish', { kind: SpanKind.PRODUCER }, () => injectInto(set));
    expect([...headers.keys()]).toEqual(['traceparent']);
    await withSpan('receive', { parent: extractFrom(get) }, () => undefined);
    expect(finished('receive').parentSpanContext?.spanId).toBe(finished('publish').spanContext().spanId);

    await withSpan('unrelated', { parent: extractFrom(() => '') }, () => undefined);
    expect(finished('unrelated').parentSpanContext).toBeUndefined();
  });
});

describe('withSpan', () => {
  it('makes the span active for nested spans and sync work, and ends it with status OK', async () => {
    const ids = await withSpan('parent', { attributes: { 'outcomes.command': 'publish' } }, async (span) => {
      span.setAttribute('outcomes.extra', 1);
      const nested = await withSpan('nested', {}, () => currentSpanId());
      return { traceId: currentTraceId(), spanId: currentSpanId(), nested };
    });
    const parent = finished('parent');
    const nested = finished('nested');
    expect(ids.spanId).toBe(parent.spanContext().spanId);
    expect(ids.nested).toBe(nested.spanContext().spanId);
    expect(nested.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(parent.attributes).toMatchObject({ 'outcomes.command': 'publish', 'outcomes.extra': 1 });
    expect(parent.kind).toBe(SpanKind.INTERNAL);
    expect(parent.status.code).toBe(SpanStatusCode.OK);
    expect(parent.ended).toBe(true);
    expect(currentTraceId()).toBeUndefined();
  });

  it('records a thrown error, marks the span failed, ends it and rethrows', async () => {
    await expect(withSpan('fails', {}, () => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
    await expect(
      withSpan('throws', {}, () => {
        throw 'plain';
      }),
    ).rejects.toBe('plain');
    const fails = finished('fails');
    expect(fails.status).toEqual({ code: SpanStatusCode.ERROR, message: 'nope' });
    expect(fails.events.find((e) => e.name === 'exception')?.attributes).toMatchObject({ 'exception.message': 'nope' });
    expect(finished('throws').status).toEqual({ code: SpanStatusCode.ERROR, message: 'plain' });
  });
});
