/**
 * Append throughput of the event store against the floor (plain INSERTs of the same rows into the same tables) and
 * against Emmett 0.42 (@event-driven-io/emmett-postgresql), side by side on the local PostgreSQL.
 *
 *   npm run bench -- event-store            full run (5 rounds x 2 s per system and workload, ~3 min)
 *   npm run bench -- event-store --quick    smoke run, under 30 s
 *   options: --rounds=N --seconds=S --warmup=S --pool=N --group-statements=N
 *
 * Every system gets a fresh database of its own (created and dropped here) and a pg pool of the
 * same size. Workloads: single-event appends to new streams at concurrency 1, 8 and 32, and
 * 100-event appends to new streams at concurrency 8. Segments are interleaved: each round runs
 * every workload for every system, the systems' order rotating from round to round, so drift on a
 * noisy machine lands on all of them. The median round is reported. The last line of output is
 * one JSON object for tools.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { EventStore, migrateEventStore, uuidv7 } from '@outcomes/event-store';
import { createTestDatabase, testServerUrl, type TestDatabase } from '@outcomes/testing';
import { Client, Pool } from 'pg';
import { eventData, opt, quick } from './lib';

// ---------------------------------------------------------------------------------------------
// Configuration


const POOL_SIZE = opt('pool', 32);
/** Group commit's statements in flight for ours (EventStore's default, 1). */
const GROUP_STATEMENTS = opt('group-statements', 1);
const ROUNDS = opt('rounds', quick ? 1 : 5);
const SECONDS = opt('seconds', quick ? 0.9 : 2);
const WARMUP_SECONDS = opt('warmup', quick ? 0.25 : 0.75);
const CATEGORIES = 10;

interface Workload {
  readonly name: 'c1' | 'c8' | 'c32' | 'batch100';
  readonly label: string;
  readonly concurrency: number;
  readonly batch: number;
}

const WORKLOADS: readonly Workload[] = [
  { name: 'c1', label: '1 event/append, concurrency 1', concurrency: 1, batch: 1 },
  { name: 'c8', label: '1 event/append, concurrency 8', concurrency: 8, batch: 1 },
  { name: 'c32', label: '1 event/append, concurrency 32', concurrency: 32, batch: 1 },
  { name: 'batch100', label: '100 events/append, concurrency 8', concurrency: 8, batch: 100 },
];

// The same event for every system: an order placed, ~200 bytes of JSON.
const EVENT_TYPE = 'OrderPlaced';

/** New stream ids, `<category>-<n>`, spread over CATEGORIES categories. Never reused in a run. */
let streamCounter = 0;
const nextStream = (): { streamId: string; category: string; n: number } => {
  const n = ++streamCounter;
  const category = `order${n % CATEGORIES}`;
  return { streamId: `${category}-${n}`, category, n };
};

// ---------------------------------------------------------------------------------------------
// Systems under test

interface Appender {
  /** Appends `count` new events to a new stream. */
  append(count: number): Promise<void>;
  close(): Promise<void>;
}

interface System {
  readonly name: 'ours' | 'ours_alone' | 'plain' | 'emmett';
  readonly label: string;
  db?: TestDatabase;
  /** Creates the database and schema; not timed. */
  setup(): Promise<void>;
  /** A fresh pool of POOL_SIZE connections and whatever the system builds on it. */
  open(): Appender | Promise<Appender>;
}

const newPool = (url: string): Pool => {
  const pool = new Pool({ connectionString: url, max: POOL_SIZE });
  pool.on('error', () => undefined);
  return pool;
};

/** Ours through `EventStore.append`; `groupCommit: false` sends every append as its own statement. */
const oursSystem = (name: 'ours' | 'ours_alone', groupCommit: boolean): System => ({
  name,
  label: groupCommit ? 'ours (EventStore.append, group commit)' : 'ours, group commit off (one es.append per append)',
  async setup() {
    this.db = await createTestDatabase(`bench_es_${name}`);
    await migrateEventStore(this.db.url);
  },
  open() {
    const pool = newPool(this.db!.url);
    const store = new EventStore(pool, groupCommit ? { groupCommit: { maxStatements: GROUP_STATEMENTS } } : { groupCommit: false });
    return {
      async append(count) {
        const { streamId, n } = nextStream();
        const events = Array.from({ length: count }, (_, i) => ({ type: EVENT_TYPE, data: eventData(n * 1000 + i) }));
        await store.append(streamId, events, 'no_stream');
      },
      async close() {
        store.close();
        await pool.end();
      },
    };
  },
});
const ours = oursSystem('ours', true);
const oursAlone = oursSystem('ours_alone', false);

/**
 * The floor: the rows `es.append` writes for an append (its commit in es.commits and its event ids
 * in es.event_ids), INSERTed straight into the same tables (this database is migrated with the
 * event store's own migration, so tables, constraints, indexes and sequence are the store's). One
 * prepared statement per append, in autocommit; no lock, no version check, no idempotency check.
 */
const PLAIN_INSERT = `
  WITH c AS (
    INSERT INTO es.commits (transaction_id, position, stream_id, category, version, count, event_ids, events)
    VALUES (pg_current_xact_id(), nextval('es.event_position'), $1, $2, 1, $3, $4::uuid[], $5::json)
    RETURNING transaction_id, position)
  INSERT INTO es.event_ids (event_id, transaction_id, position)
  SELECT t.u, c.transaction_id, c.position + t.o - 1 FROM c, unnest($4::uuid[]) WITH ORDINALITY AS t(u, o)`;

const plain: System = {
  name: 'plain',
  label: 'plain pg INSERT (same tables and rows)',
  async setup() {
    this.db = await createTestDatabase('bench_es_plain');
    await migrateEventStore(this.db.url);
  },
  open() {
    const pool = newPool(this.db!.url);
    return {
      async append(count) {
        const { streamId, category, n } = nextStream();
        const ids: string[] = [];
        const events: unknown[] = [];
        for (let i = 0; i < count; i++) {
          ids.push(uuidv7());
          events.push({ type: EVENT_TYPE, data: eventData(n * 1000 + i), metadata: {} });
        }
        // Prepared (named), as the store's own call is: the floor gets every advantage ours has.
        await pool.query({ name: 'plain_insert', text: PLAIN_INSERT, values: [streamId, category, count, `{${ids.join(',')}}`, JSON.stringify(events)] });
      },
      async close() {
        await pool.end();
      },
    };
  },
};

const emmett: System = {
  name: 'emmett',
  label: 'Emmett 0.42 (appendToStream)',
  async setup() {
    this.db = await createTestDatabase('bench_es_emmett');
    const pool = newPool(this.db.url);
    const store = getPostgreSQLEventStore(this.db.url, { connectionOptions: { pool } });
    await store.schema.migrate();
    await store.close();
    await pool.end();
  },
  open() {
    const pool = newPool(this.db!.url);
    // Schema already migrated in setup: do not let the first timed append run the migrations.
    const store = getPostgreSQLEventStore(this.db!.url, { connectionOptions: { pool }, schema: { autoMigration: 'None' } });
    return {
      async append(count) {
        const { streamId, n } = nextStream();
        const events = Array.from({ length: count }, (_, i) => ({ type: EVENT_TYPE, data: eventData(n * 1000 + i) }));
        await store.appendToStream(streamId, events, { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
      },
      async close() {
        await store.close();
        await pool.end();
      },
    };
  },
};

const SYSTEMS: readonly System[] = [ours, oursAlone, plain, emmett];

// ---------------------------------------------------------------------------------------------
// Load

interface Segment {
  readonly events: number;
  readonly appends: number;
  readonly seconds: number;
  readonly latenciesMs: Float64Array;
}

/** `concurrency` workers append back to back until `seconds` have passed. */
async function drive(appender: Appender, w: Workload, seconds: number): Promise<Segment> {
  const latencies: number[] = [];
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let appends = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await appender.append(w.batch);
      latencies.push(performance.now() - t0);
      appends++;
    }
  };
  await Promise.all(Array.from({ length: w.concurrency }, worker));
  const secs = (performance.now() - start) / 1000;
  return { events: appends * w.batch, appends, seconds: secs, latenciesMs: Float64Array.from(latencies).sort() };
}

const quantile = (sorted: Float64Array, q: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Runs {
  rates: number[];
  p50: number[];
  p99: number[];
}

// ---------------------------------------------------------------------------------------------
// Main

const log = (s = ''): void => {
  process.stderr.write(`${s}\n`);
};

async function serverInfo(): Promise<Record<string, string>> {
  const c = new Client({ connectionString: testServerUrl() });
  await c.connect();
  try {
    const { rows } = await c.query<{ name: string; setting: string }>(
      `SELECT name, current_setting(name) AS setting FROM unnest(ARRAY['server_version','synchronous_commit','fsync','shared_buffers','wal_level','max_wal_size','full_page_writes','autovacuum']) AS name`,
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const server = await serverInfo();
  const loadBefore = loadavg()[0]!;
  log(`event-store bench: ${ROUNDS} round(s) x ${SECONDS}s per segment (warm-up ${WARMUP_SECONDS}s), pool ${POOL_SIZE}, ${quick ? 'quick' : 'full'}`);
  log(`PostgreSQL ${server['server_version']}, synchronous_commit=${server['synchronous_commit']}, ${cpus().length} CPUs`);

  const runs = new Map<string, Runs>();
  const key = (s: System, w: Workload) => `${s.name}/${w.name}`;
  const t0 = performance.now();
  try {
    for (const s of SYSTEMS) await s.setup();
    log(`setup ${((performance.now() - t0) / 1000).toFixed(1)}s`);

    for (let round = 0; round < ROUNDS; round++) {
      for (const [wi, w] of WORKLOADS.entries()) {
        // Rotate the order per round and workload so no system always runs first (or last).
        const rot = (round + wi) % SYSTEMS.length;
        const order = [...SYSTEMS.slice(rot), ...SYSTEMS.slice(0, rot)];
        for (const s of order) {
          const appender = await s.open();
          try {
            await drive(appender, w, WARMUP_SECONDS);
            const seg = await drive(appender, w, SECONDS);
            const r = runs.get(key(s, w)) ?? { rates: [], p50: [], p99: [] };
            r.rates.push(seg.events / seg.seconds);
            r.p50.push(quantile(seg.latenciesMs, 0.5));
            r.p99.push(quantile(seg.latenciesMs, 0.99));
            runs.set(key(s, w), r);
            log(`round ${round + 1} ${w.name.padEnd(8)} ${s.name.padEnd(6)} ${Math.round(seg.events / seg.seconds).toString().padStart(7)} events/s  p50 ${quantile(seg.latenciesMs, 0.5).toFixed(2)} ms  p99 ${quantile(seg.latenciesMs, 0.99).toFixed(2)} ms`);
          } finally {
            await appender.close();
          }
        }
      }
    }
  } finally {
    await Promise.all(SYSTEMS.map((s) => s.db?.drop().catch(() => undefined)));
  }
  const elapsed = (performance.now() - t0) / 1000;

  // Results: the median round of each system and workload.
  const rate = (s: System, w: Workload) => Math.round(median(runs.get(key(s, w))!.rates));
  const results: Record<string, unknown> = {};
  for (const s of SYSTEMS) results[s.name] = Object.fromEntries(WORKLOADS.map((w) => [w.name, rate(s, w)]));
  const ratio = (w: Workload, other: System) => Math.round((rate(ours, w) / rate(other, w)) * 100) / 100;
  const byName = (n: Workload['name']) => WORKLOADS.find((w) => w.name === n)!;
  const ratios = {
    vs_emmett_c32: ratio(byName('c32'), emmett),
    vs_emmett_batch100: ratio(byName('batch100'), emmett),
    vs_plain_c32: ratio(byName('c32'), plain),
    vs_plain_batch100: ratio(byName('batch100'), plain),
    vs_group_commit_off_c8: ratio(byName('c8'), oursAlone),
    vs_group_commit_off_c32: ratio(byName('c32'), oursAlone),
  };
  results['machine'] = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    ramGiB: Math.round(totalmem() / 2 ** 30),
    pg: server['server_version'],
    pgSettings: server,
    node: process.version,
    loadavg1: [Math.round(loadBefore * 100) / 100, Math.round(loadavg()[0]! * 100) / 100],
  };
  results['config'] = { quick, rounds: ROUNDS, secondsPerSegment: SECONDS, warmupSeconds: WARMUP_SECONDS, pool: POOL_SIZE, batchConcurrency: 8, elapsedSeconds: Math.round(elapsed) };

  // Table.
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const spread = (s: System, w: Workload) => {
    const r = runs.get(key(s, w))!.rates;
    return r.length > 1 ? ` (${fmt(Math.min(...r))}-${fmt(Math.max(...r))})` : '';
  };
  const lat = (s: System, w: Workload) => {
    const r = runs.get(key(s, w))!;
    return `${median(r.p50).toFixed(2)} / ${median(r.p99).toFixed(2)}`;
  };
  const lines: string[] = [];
  lines.push('');
  lines.push(`events/s, median of ${ROUNDS} round(s)${ROUNDS > 1 ? ' (min-max)' : ''}; pool ${POOL_SIZE} for every system`);
  lines.push('');
  lines.push('| workload | ours | ours, group commit off | plain INSERT | Emmett 0.42 | ours/plain | ours/Emmett | ours/group commit off |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const w of WORKLOADS) {
    lines.push(
      `| ${w.label} | ${fmt(rate(ours, w))}${spread(ours, w)} | ${fmt(rate(oursAlone, w))}${spread(oursAlone, w)} | ${fmt(rate(plain, w))}${spread(plain, w)} | ${fmt(rate(emmett, w))}${spread(emmett, w)} | ${ratio(w, plain).toFixed(2)} | ${ratio(w, emmett).toFixed(2)} | ${ratio(w, oursAlone).toFixed(2)} |`,
    );
  }
  lines.push('');
  lines.push('append latency p50 / p99 (ms), median of rounds');
  lines.push('');
  lines.push('| workload | ours | ours, group commit off | plain INSERT | Emmett 0.42 |');
  lines.push('|---|---:|---:|---:|---:|');
  for (const w of WORKLOADS) lines.push(`| ${w.label} | ${lat(ours, w)} | ${lat(oursAlone, w)} | ${lat(plain, w)} | ${lat(emmett, w)} |`);
  lines.push('');
  const target = (name: string, value: number, goal: number) => `${name}: ${value.toFixed(2)} (target >= ${goal}) ${value >= goal ? 'MET' : 'MISSED'}`;
  lines.push(target('ours/Emmett, 1 event, c32', ratios.vs_emmett_c32, 3));
  lines.push(target('ours/Emmett, 100-event batches', ratios.vs_emmett_batch100, 3));
  lines.push(target('ours/plain, 1 event, c32', ratios.vs_plain_c32, 0.75));
  lines.push(target('ours/plain, 100-event batches', ratios.vs_plain_batch100, 0.75));
  lines.push('');
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stdout.write(`${JSON.stringify({ bench: 'event-store', results, ratios })}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
