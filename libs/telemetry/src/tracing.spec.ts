import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { currentTraceId, injectTraceContext, withSpan } from './trace-context';
import { startTracing } from './tracing';

const names = (e: InMemorySpanExporter) => e.getFinishedSpans().map((s) => s.name);

describe('startTracing', () => {
  it('lets a second start join the running provider, each with its own exporter', async () => {
    const first = new InMemorySpanExporter();
    const second = new InMemorySpanExporter();
    const a = startTracing({ serviceName: 'first', exporter: first });
    const b = startTracing({ serviceName: 'second', exporter: second });

    await withSpan('both', {}, () => undefined);
    expect(names(first)).toEqual(['both']);
    expect(names(second)).toEqual(['both']);
    // One provider: the first start names the service.
    expect(second.getFinishedSpans()[0]!.resource.attributes['service.name']).toBe('first');

    await b.shutdown();
    await withSpan('after b', {}, () => undefined);
    expect(names(first)).toEqual(['both', 'after b']);
    expect(injectTraceContext()).toEqual({}); // nothing leaks out of finished spans
    await a.shutdown();
  });

  it('has an idempotent shutdown, and the last one out unregisters the globals', async () => {
    const exporter = new InMemorySpanExporter();
    const handle = startTracing({ serviceName: 'once', exporter });
    const other = startTracing({ serviceName: 'once' });
    await handle.shutdown();
    await handle.shutdown(); // a repeat must not count as `other` leaving
    expect(await withSpan('still traced', {}, () => currentTraceId())).toMatch(/^[0-9a-f]{32}$/);

    await Promise.all([other.shutdown(), other.shutdown()]);
    expect(await withSpan('untraced', {}, () => currentTraceId())).toBeUndefined();
    expect(trace.getTracer('x').startSpan('noop').isRecording()).toBe(false);
  });

  it('stays off with nothing to record: no span, no trace context, nothing to shut down', async () => {
    const off = startTracing({ serviceName: 'off' });
    expect(await withSpan('unrecorded', {}, () => [currentTraceId(), injectTraceContext()])).toEqual([undefined, {}]);
    expect(trace.getTracer('x').startSpan('noop').isRecording()).toBe(false);
    await off.shutdown();
  });

  it('records without an exporter when asked, so trace ids still reach logs and events', async () => {
    const handle = startTracing({ serviceName: 'recorded', record: true });
    const [id, carried] = await withSpan('recorded', {}, () => [currentTraceId(), injectTraceContext()] as const);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(carried.traceparent).toContain(id);
    await handle.shutdown();
  });

  it('starts afresh after a full shutdown', async () => {
    const exporter = new InMemorySpanExporter();
    const handle = startTracing({ serviceName: 'again', exporter });
    await withSpan('again', {}, () => undefined);
    expect(exporter.getFinishedSpans()[0]?.resource.attributes['service.name']).toBe('again');
    await handle.shutdown();
  });
});
