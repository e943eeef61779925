import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { createLogger, JsonNestLogger } from './logger';
import { withSpan } from './trace-context';
import { startTracing, type TracingHandle } from './tracing';

const exporter = new InMemorySpanExporter();
let tracing: TracingHandle;
beforeAll(() => {
  tracing = startTracing({ serviceName: 'logger-spec', exporter });
});
afterAll(() => tracing.shutdown());

/** A pino destination that keeps every line, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = {
    write(chunk: string) {
      for (const line of chunk.split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes one JSON line per entry with service, level, msg and time, and the ids of the active span', async () => {
    const { lines, destination } = capture();
    const log = createLogger('svc', { destination });
    log.info('outside');
    await withSpan('work', {}, () => log.warn({ n: 1 }, 'inside'));

    expect(lines).toHaveLength(2);
    const [outside, inside] = lines;
    expect(outside).toMatchObject({ service: 'svc', level: 'info', msg: 'outside' });
    expect(Date.parse(String(outside!['time']))).not.toBeNaN();
    expect(outside).not.toHaveProperty('trace_id');

    const span = exporter.getFinishedSpans().find((s) => s.name === 'work')!.spanContext();
    expect(inside).toMatchObject({ service: 'svc', level: 'warn', msg: 'inside', n: 1, trace_id: span.traceId, span_id: span.spanId });
  });

  it('drops entries below its level', () => {
    const { lines, destination } = capture();
    const log = createLogger('svc', { destination, level: 'warn' });
    log.info('quiet');
    log.error('loud');
    expect(lines.map((l) => l['msg'])).toEqual(['loud']);
  });
});

describe('JsonNestLogger', () => {
  it('maps Nest calls to levels, taking the trailing context and the stack Nest passes to error', () => {
    const { lines, destination } = capture();
    const nest = new JsonNestLogger(createLogger('svc', { destination, level: 'trace' }));
    const stack = 'Error: boom\n    at handler (file.ts:1:1)';
    nest.log('started', 'NestApplication');
    nest.warn('careful');
    nest.verbose('detail', 'Ctx');
    nest.error('failed', stack, 'ExceptionsHandler');
    nest.error('failed without stack', undefined, 'ExceptionsHandler');
    nest.error('failed, no context', stack);
    nest.debug({ some: 'object' }, 'Ctx');

    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', msg: 'started', context: 'NestApplication' }),
      expect.objectContaining({ level: 'warn', msg: 'careful' }),
      expect.objectContaining({ level: 'trace', msg: 'detail', context: 'Ctx' }),
      expect.objectContaining({ level: 'error', msg: 'failed', context: 'ExceptionsHandler', stack }),
      expect.objectContaining({ level: 'error', msg: 'failed without stack', context: 'ExceptionsHandler' }),
      expect.objectContaining({ level: 'error', msg: 'failed, no context', stack }),
      expect.objectContaining({ level: 'debug', context: 'Ctx', data: { some: 'object' } }),
    ]);
    expect(lines[1]).not.toHaveProperty('context');
    expect(lines[4]).not.toHaveProperty('stack');
    expect(lines[5]).not.toHaveProperty('context');
  });

  it('serialises an Error message with its stack', () => {
    const { lines, destination } = capture();
    new JsonNestLogger(createLogger('svc', { destination })).error(new Error('kaput'));
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'kaput', err: { type: 'Error', message: 'kaput' } });
    expect((lines[0]!['err'] as { stack: string }).stack).toContain('kaput');
  });
});
