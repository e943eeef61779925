/**
 * The local demo `npm start` runs once the services are up: a fleet of simulated engines, a demo
 * buyer with launched cs.resolve and code.review configurations, and steady traffic, with a
 * one-line summary every few seconds. Idempotent across runs (it reuses what it made before).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatSignedUsd, parseUsd } from '@outcomes/contracts';

const root = join(__dirname, '..');
const base = `http://127.0.0.1:${process.env['PORT'] ?? 3000}`;
const operatorKey = process.env['OUTCOMES_OPERATOR_KEY'] ?? '';
const rate = Number(process.env['DEMO_RATE_PER_SECOND'] ?? 10);
const stateFile = join(root, '.outcomes', 'demo.json');
const log = (msg: string) => process.stdout.write(`[demo] ${msg}\n`);

type Json = Record<string, unknown>;
const call = async <T = Json>(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as T };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const FLEET = [
  { name: 'sim-swift', prices: { 'cs.resolve': 0.4, 'code.review': 2.5 }, success: { 'cs.resolve': 0.85, 'code.review': 0.8 }, latency: [200, 800], escalation: 0.08 },
  { name: 'sim-thrifty', prices: { 'cs.resolve': 0.22, 'code.review': 1.2 }, success: { 'cs.resolve': 0.6, 'code.review': 0.55 }, latency: [500, 2000], escalation: 0.2 },
  { name: 'sim-careful', prices: { 'cs.resolve': 0.5, 'code.review': 3.5 }, success: { 'cs.resolve': 0.95, 'code.review': 0.93 }, latency: [800, 2500], escalation: 0.03 },
  { name: 'sim-coder', prices: { 'code.review': 1.8 }, success: { 'code.review': 0.88 }, latency: [1000, 3000], escalation: 0.05 },
] as const;

async function ready(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ok = await call('GET', '/v1/engines', operatorKey).then((r) => r.status === 200, () => false);
    if (ok && (await call('GET', '/v1/catalog/types', operatorKey).then((r) => r.status === 200, () => false))) return;
    await sleep(200);
  }
  throw new Error(`the gateway at ${base} did not become ready`);
}

async function engines(): Promise<Array<{ id: string; spec: (typeof FLEET)[number] }>> {
  const { body } = await call<{ data: Array<{ id: string; name: string }> }>('GET', '/v1/engines?limit=100', operatorKey);
  const out = [];
  for (const spec of FLEET) {
    let id = body.data.find((e) => e.name === spec.name)?.id;
    if (!id) {
      const created = await call<{ id: string }>('POST', '/v1/engines', operatorKey, {
        name: spec.name,
        vendor: 'Outcomes simulator',
        model: { name: spec.name, version: '1' },
        harness: { name: 'engine-sim', version: '1' },
        outcome_types: Object.keys(spec.prices),
        max_concurrent_outcomes: 50,
        transport: { type: 'nats' },
      });
      id = created.body.id;
    }
    out.push({ id, spec });
  }
  return out;
}

interface DemoState {
  readonly key: string;
  readonly configs: readonly string[];
}

async function buyer(): Promise<DemoState> {
  if (existsSync(stateFile)) {
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as DemoState;
    if ((await call('GET', '/v1/configs', saved.key)).status === 200) return saved;
  }
  const created = await call<{ api_key: { secret: string } }>('POST', '/v1/buyers', operatorKey, { name: 'Demo Buyer' });
  const key = created.body.api_key.secret;
  const configs: string[] = [];
  for (const body of [
    { name: 'Demo support', outcome_type: 'cs.resolve', bid_strategy: { type: 'bid_cap', bid_cap: '0.75' }, budget: { amount: '1000.00', period: 'daily' } },
    { name: 'Demo code review', outcome_type: 'code.review', bid_strategy: { type: 'cost_per_result', cost_per_result_goal: '2.50' }, budget: { amount: '1000.00', period: 'daily' } },
  ]) {
    const cfg = await call<{ id: string }>('POST', '/v1/configs', key, body);
    await call('POST', `/v1/configs/${cfg.body.id}/launch`, key);
    configs.push(cfg.body.id);
  }
  mkdirSync(dirname(stateFile), { recursive: true });
  writeFileSync(stateFile, JSON.stringify({ key, configs }, null, 2), { mode: 0o600 });
  return { key, configs };
}

async function main(): Promise<void> {
  await ready();
  const fleet = await engines();
  const demo = await buyer();
  const sim = spawn(process.execPath, ['-r', '@swc-node/register', join(root, 'apps/engine-sim/src/main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      ENGINE_SIM_FLEET: JSON.stringify(
        fleet.map(({ id, spec }) => ({
          id,
          name: spec.name,
          priceMicros: Object.fromEntries(Object.entries(spec.prices).map(([t, usd]) => [t, Math.round(usd * 1_000_000)])),
          successRate: spec.success,
          latencyMs: spec.latency,
          escalationRate: spec.escalation,
          capacity: 50,
        })),
      ),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stop = () => {
    sim.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  log(`gateway ${base} (OpenAPI ${base}/docs); demo buyer key ${demo.key}; ${fleet.length} simulated engines; ${rate} requests/s`);

  const placed: Array<{ id: string; at: number }> = [];
  let sent = 0;
  let i = 0;
  setInterval(() => {
    const config = demo.configs[i++ % demo.configs.length]!;
    void call<{ id: string }>('POST', '/v1/outcomes', demo.key, { config_id: config, input: `demo request ${i}` }).then((r) => {
      if (r.status === 201) placed.push({ id: r.body.id, at: Date.now() });
      sent++;
    }, () => undefined);
  }, 1000 / rate);

  let lastSent = 0;
  setInterval(async () => {
    // Outcomes placed more than 4 s ago have had time to end.
    const due: Array<{ id: string; at: number }> = [];
    while (placed[0] && Date.now() - placed[0].at > 4000) due.push(placed.shift()!);
    const seen = await Promise.all(
      due.map((p) => call<{ id: string; status: string; price: string | null; outcome_type: string; engine: { name: string } | null }>('GET', `/v1/outcomes/${p.id}`, demo.key).then((r) => r.body, () => undefined)),
    );
    const ended = seen.filter((o) => o && o.status !== 'auctioning' && o.status !== 'running');
    const prices = ended.filter((o) => o!.status === 'completed' && o!.price).map((o) => Number(o!.price)).sort((a, b) => a - b);
    const escalated = ended.filter((o) => o!.status === 'escalated').length;
    const perSecond = ((sent - lastSent) / 5).toFixed(1);
    lastSent = sent;
    const median = prices.length ? `$${prices[Math.floor(prices.length / 2)]!.toFixed(2)}` : 'n/a';
    // The buyer's side of the loop: each completed outcome is confirmed or reopened through the Conversions API, as
    // often as its engine truly succeeds (the fleet's success rates); the delivery optimizer learns from it.
    const tickets = ended.filter((o) => o!.status === 'completed');
    if (tickets.length > 0) {
      const truly = (o: (typeof tickets)[number]) => {
        const spec = FLEET.find((f) => f.name === o!.engine?.name);
        return Math.random() < ((spec?.success as Record<string, number> | undefined)?.[o!.outcome_type] ?? 0.5);
      };
      const events = tickets.map((o) => ({ event_id: `demo-${o!.id}`, event_type: truly(o) ? 'outcome.success' : 'outcome.failure', event_time: new Date().toISOString(), outcome_id: o!.id, source: 'webhook' }));
      await call('POST', '/v1/events/batch', demo.key, { events }).catch(() => undefined);
    }
    // A refused read (the demo key's rate limit, a busy ledger) is said so, not shown as $0.
    const spend = await call<{ data?: Array<{ net: string }> }>('GET', '/v1/spend?period=total', demo.key).then(
      (r): { micros: number } | { status: number | string } =>
        r.status === 200 ? { micros: (r.body.data ?? []).reduce((a, x) => a + (x.net.startsWith('-') ? -parseUsd(x.net.slice(1)) : parseUsd(x.net)), 0) } : { status: r.status },
      (err: unknown) => ({ status: String(err) }),
    );
    log(`${perSecond} outcomes/s; last 5 s: ${prices.length} completed (median clearing price ${median}), ${escalated} escalated, ${tickets.length} conversions reported; spent so far ${'micros' in spend ? `$${formatSignedUsd(spend.micros)}` : `(not read: ${spend.status})`}`);
  }, 5000);

  // What the delivery optimizer has learned: the best engine per outcome type, every 30 s.
  const names = new Map(fleet.map((f) => [f.id, f.spec.name]));
  setInterval(async () => {
    const board = await call<{ data?: Array<{ rank: number; outcome_type: string; engine_id: string; success_probability: number; expected_cost_per_success: string | null }> }>('GET', '/v1/admin/engines/leaderboard', operatorKey).catch(() => undefined);
    const leaders = (board?.body.data ?? []).filter((r) => r.rank === 1);
    if (leaders.length > 0) {
      log(`optimizer: ${leaders.map((r) => `${r.outcome_type} best ${names.get(r.engine_id) ?? r.engine_id} (P(success) ${r.success_probability.toFixed(2)}, $${r.expected_cost_per_success === null ? '?' : Number(r.expected_cost_per_success).toFixed(2)} per success)`).join('; ')}`);
    }
  }, 30_000);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
