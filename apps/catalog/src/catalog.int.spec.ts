import { randomBytes } from 'node:crypto';
import type { INestMicroservice } from '@nestjs/common';
import { CommandFailedError, requestCommand, ServiceUnavailableError } from '@outcomes/bus';
import { CATALOG_COMMANDS } from '@outcomes/contracts';
import { BUILTIN_OUTCOME_TYPES } from '@outcomes/domain-catalog';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { injectTraceContext, startTracing, withSpan } from '@outcomes/telemetry';
import { createTestRuntime, type TestRuntime } from '@outcomes/testing';
import { hashSecret } from './buyers/buyers.service';
import { createCatalogApp } from './catalog.app';
import { migrateCatalog } from './migrations';
import { Sealer } from '@outcomes/platform';

const spans = new InMemorySpanExporter();
const tracing = startTracing({ serviceName: 'catalog-spec', exporter: spans });
const sealer = new Sealer({ id: 'k1', key: randomBytes(32) });
let t: TestRuntime;
let app: INestMicroservice;

beforeAll(async () => {
  t = await createTestRuntime('catalog', [migrateCatalog]);
  app = await createCatalogApp(t.rt, sealer);
});
afterAll(async () => {
  await app.close();
  await t.close();
  await tracing.shutdown();
});

const send = <T>(command: string, payload: unknown, headers?: Record<string, string>) => requestCommand<T>(t.rt.bus, command, payload, headers ? { headers } : {});

describe('catalog over NATS', () => {
  it('publishes the platform taxonomy at first start, and a restart (or a second replica) publishes nothing new', async () => {
    const first = await send<{ data: Array<{ key: string; version: number }> }>(CATALOG_COMMANDS.listOutcomeTypes, {});
    expect(first.data.map((d) => d.key).sort()).toEqual(BUILTIN_OUTCOME_TYPES.map((b) => b.key).sort());
    const replicas = await Promise.all([createCatalogApp(await t.another('catalog'), sealer), createCatalogApp(await t.another('catalog'), sealer)]);
    await Promise.all(replicas.map((r) => r.close()));
    const { rows } = await t.rt.pool.query<{ n: string }>(`SELECT count(*) AS n FROM es.events WHERE stream_id LIKE 'outcomeType-%'`);
    expect(Number(rows[0]!.n)).toBe(BUILTIN_OUTCOME_TYPES.length);
  });

  it('authenticates by the hash of a secret, and not once the key is revoked', async () => {
    const buyer = await send<{ id: string; api_key: { id: string; secret: string } }>(CATALOG_COMMANDS.createBuyer, { actor: 'operator', buyer: { name: 'Acme' } });
    const hash = hashSecret(buyer.api_key.secret);
    expect(await send(CATALOG_COMMANDS.authenticate, { secret_hash: hash })).toEqual({ buyer_id: buyer.id, key_id: buyer.api_key.id, scope: 'full' });
    await send(CATALOG_COMMANDS.revokeKey, { buyer_id: buyer.id, actor: buyer.api_key.id, key_id: buyer.api_key.id });
    await expect(send(CATALOG_COMMANDS.authenticate, { secret_hash: hash })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const { rows } = await t.rt.pool.query(`SELECT secret_hash FROM catalog.api_keys WHERE key_id = $1`, [buyer.api_key.id]);
    expect(JSON.stringify(rows)).not.toContain(buyer.api_key.secret);
  });

  it('refuses a malformed command with the fields at fault, and a rule violation with RULE_VIOLATION', async () => {
    const bad = await send(CATALOG_COMMANDS.draftConfig, { buyer_id: 'nobody', actor: 'x', config: {} }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(CommandFailedError);
    expect(bad).toMatchObject({ code: 'VALIDATION_FAILED' });
    const buyer = await send<{ id: string }>(CATALOG_COMMANDS.createBuyer, { actor: 'operator', buyer: { name: 'Rules' } });
    const rule = await send(CATALOG_COMMANDS.draftConfig, { buyer_id: buyer.id, actor: 'key_x', config: { name: 'x', outcome_type: 'cs.nothing' } }).catch((e: unknown) => e);
    expect(rule).toMatchObject({ code: 'RULE_VIOLATION', details: { fields: [{ field: 'outcome_type', reason: 'cs.nothing is not in the catalog' }] } });
  });

  it('carries one trace from the caller through the command into the stored event', async () => {
    spans.reset();
    const buyer = await send<{ id: string }>(CATALOG_COMMANDS.createBuyer, { actor: 'operator', buyer: { name: 'Traced' } });
    const traceId = await withSpan('caller', {}, async () => {
      await send(CATALOG_COMMANDS.draftConfig, { buyer_id: buyer.id, actor: 'key_t', config: { name: 'Traced', outcome_type: 'cs.resolve' } }, { ...injectTraceContext() } as Record<string, string>);
      return injectTraceContext().traceparent!.split('-')[1]!;
    });
    const { rows } = await t.rt.pool.query<{ traceparent: string }>(`SELECT metadata->>'traceparent' AS traceparent FROM es.events WHERE type = 'ConfigDrafted' AND data->>'buyerId' = $1`, [buyer.id]);
    expect(rows[0]!.traceparent).toContain(traceId);
    expect(spans.getFinishedSpans().some((s) => s.name === CATALOG_COMMANDS.draftConfig && s.spanContext().traceId === traceId)).toBe(true);
  });

  it('spreads commands over replicas in the queue group, and says "service unavailable" when none runs', async () => {
    const second = await createCatalogApp(await t.another('catalog'), sealer);
    const results = await Promise.all(Array.from({ length: 20 }, () => send<{ data: unknown[] }>(CATALOG_COMMANDS.listOutcomeTypes, {})));
    expect(results.every((r) => r.data.length === BUILTIN_OUTCOME_TYPES.length)).toBe(true);
    await second.close();
    await app.close();
    await expect(send(CATALOG_COMMANDS.listOutcomeTypes, {})).rejects.toBeInstanceOf(ServiceUnavailableError);
    app = await createCatalogApp(t.rt, sealer);
  });
});
