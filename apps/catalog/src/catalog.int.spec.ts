import type { INestMicroservice } from '@nestjs/common';
import { CommandFailedError, requestCommand, ServiceUnavailableError, startRelay, type Relay } from '@outcomes/bus';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { injectTraceContext, startTracing, withSpan } from '@outcomes/telemetry';
import { createTestRuntime, eventually, type TestRuntime } from '@outcomes/testing';
import { createCatalogApp } from './catalog.app';
import { migrateCatalog } from './migrations';
import type { OutcomeTypeView } from './outcome-types/outcome-types.service';

const spans = new InMemorySpanExporter();
const tracing = startTracing({ serviceName: 'catalog-spec', exporter: spans });
let t: TestRuntime;
let app: INestMicroservice;
let relay: Relay;

beforeAll(async () => {
  t = await createTestRuntime('catalog', [migrateCatalog]);
  app = await createCatalogApp(t.rt);
  relay = startRelay({ store: t.rt.store, connectionString: t.db.url, bus: t.rt.bus, pollIntervalMs: 50 });
});
afterAll(async () => {
  await relay.stop();
  await app.close();
  await t.close();
  await tracing.shutdown();
});

const send = <T>(command: string, payload: unknown, headers?: Record<string, string>) =>
  requestCommand<T>(t.rt.bus, command, payload, headers ? { headers } : {});

const resolve = { key: 'cs.resolve', name: 'Resolve a ticket', description: 'End to end', verification: 'capi_verified' };

describe('catalog over NATS', () => {
  it('publishes an outcome type as an event and answers with version 1', async () => {
    const view = await send<OutcomeTypeView>('cmd.catalog.publishOutcomeType', resolve);
    expect(view).toMatchObject({ ...resolve, version: 1 });
    const events = await t.rt.store.readStream('outcomeType-cs.resolve');
    expect(events.map((e) => e.type)).toEqual(['OutcomeTypePublished']);
    expect(await send<OutcomeTypeView>('cmd.catalog.getOutcomeType', { key: 'cs.resolve' })).toEqual(view);
  });

  it('keeps the read model in step through the relay and a JetStream consumer', async () => {
    await send('cmd.catalog.publishOutcomeType', { ...resolve, key: 'code.review', verification: 'guarantee_backed' });
    await send('cmd.catalog.publishOutcomeType', { ...resolve, key: 'code.review', verification: 'guarantee_backed', description: 'v2' });
    const listed = await eventually(async () => {
      const { data } = await send<{ data: OutcomeTypeView[] }>('cmd.catalog.listOutcomeTypes', {});
      const review = data.find((d) => d.key === 'code.review');
      return review?.version === 2 ? data : undefined;
    });
    expect(listed.find((d) => d.key === 'code.review')).toMatchObject({ description: 'v2', verification: 'guarantee_backed' });
  });

  it('refuses bad input with the field and the reason, and writes nothing', async () => {
    const err = await send('cmd.catalog.publishOutcomeType', { ...resolve, key: 'legal.draft', verification: 'vibes' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandFailedError);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((err as CommandFailedError).message).toMatch(/verification must be one of the following values/);
    const unknown = await send('cmd.catalog.publishOutcomeType', { ...resolve, key: 'legal.x', extra: 1 }).catch((e: unknown) => e);
    expect((unknown as CommandFailedError).message).toMatch(/property extra should not exist/);
    expect(await t.rt.store.readStream('outcomeType-legal.draft')).toEqual([]);
  });

  it('answers NOT_FOUND for an unknown outcome type', async () => {
    await expect(send('cmd.catalog.getOutcomeType', { key: 'medical.nothing' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('carries one trace from the caller through the command, the event and the consumer', async () => {
    spans.reset();
    const traceId = await withSpan('caller', {}, async () => {
      await send('cmd.catalog.publishOutcomeType', { ...resolve, key: 'medical.scribe', verification: 'guarantee_backed' }, { ...injectTraceContext() } as Record<string, string>);
      return injectTraceContext().traceparent!.split('-')[1]!;
    });
    const [event] = await t.rt.store.readStream('outcomeType-medical.scribe');
    expect(String(event!.metadata.traceparent)).toContain(traceId);
    await eventually(() =>
      spans.getFinishedSpans().some((s) => s.name.includes('OutcomeTypePublished') && s.spanContext().traceId === traceId) ? true : undefined,
    );
    expect(spans.getFinishedSpans().some((s) => s.name === 'cmd.catalog.publishOutcomeType' && s.spanContext().traceId === traceId)).toBe(true);
  });

  it('spreads commands over replicas in the queue group, and says "service unavailable" when none runs', async () => {
    const second = await createCatalogApp(await t.another('catalog'));
    const results = await Promise.all(Array.from({ length: 20 }, () => send<{ data: unknown[] }>('cmd.catalog.listOutcomeTypes', {})));
    expect(results.every((r) => Array.isArray(r.data))).toBe(true);
    await second.close();
    await app.close();
    await expect(send('cmd.catalog.listOutcomeTypes', {})).rejects.toBeInstanceOf(ServiceUnavailableError);
    app = await createCatalogApp(t.rt);
  });
});
