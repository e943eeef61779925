/**
 * Where an append's cost goes: the store against variants of `es.append` and against plain
 * INSERTs, measured as throughput and as CPU time per event (this Node process, and the
 * PostgreSQL backends serving the bench database, read from /proc). On a 2-core machine where
 * client and server share the CPUs, CPU per event is what bounds throughput, and it is far less
 * sensitive to a noisy neighbour than events/s.
 *
 *   npm run bench -- event-store-profile [--quick] [--rounds=N] [--seconds=S] [--only=a,b]
 *
 * Variants (all write the same es.events table, in one fresh database):
 *   store             EventStore.append(stream, events, 'no_stream'), as the service calls it
 *   store-no-notify   the same with the post-append pg_notify wake-up switched off
 *   fn                SELECT * FROM es.append(...) sent directly (no notify, no client mapping)
 *   fn-no-conflict    es.append with `ON CONFLICT DO NOTHING` removed (a duplicate raises 23505)
 *   fn-insert-only    only the INSERT ... SELECT FROM jsonb_array_elements of es.append:
 *                     no idempotency probe, no version probe, no ON CONFLICT (the lower bound)
 *   fn-fast-path      the proposal for es.append (see FAST_PATH below): no look-up for 'no_stream',
 *                     one for other expectations, a plain INSERT; anything unusual (a version
 *                     mismatch, a duplicate: 23505) is handed to the unchanged es.append
 *   plain             plain INSERT of the same rows (one multi-row INSERT per append)
 *   emmett            Emmett 0.42 appendToStream (its schema lives in the same database, in public)
 * The variants are built from the live definition of es.append (pg_get_functiondef), so they
 * follow the migration; the bench stops if an edit no longer applies.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { EventStore, migrateEventStore, uuidv7 } from '@outcomes/event-store';
import { createTestDatabase, type TestDatabase } from '@outcomes/testing';
import { Pool } from 'pg';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const opt = (name: string): string | undefined => argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3);
const ROUNDS = Number(opt('rounds') ?? (quick ? 1 : 3));
const SECONDS = Number(opt('seconds') ?? (quick ? 0.7 : 2));
const WARMUP = Number(opt('warmup') ?? (quick ? 0.2 : 0.5));
const POOL_SIZE = Number(opt('pool') ?? 32);
const ONLY = opt('only')?.split(',');

interface Workload {
  readonly name: string;
  readonly concurrency: number;
  readonly batch: number;
}
const WORKLOADS: readonly Workload[] = [
  { name: 'c1', concurrency: 1, batch: 1 },
  { name: 'c32', concurrency: 32, batch: 1 },
  { name: 'batch100', concurrency: 8, batch: 100 },
].filter((w) => !opt('workloads') || opt('workloads')!.split(',').includes(w.name));

const EVENT_TYPE = 'OrderPlaced';
const eventData = (n: number) => ({
  orderId: `ord_${n}`,
  customerId: 'cus_7QmJ2kX9',
  currency: 'EUR',
  total: 28345,
  lines: [
    { sku: 'SKU-10492', quantity: 2, unitPrice: 9999 },
    { sku: 'SKU-20311', quantity: 1, unitPrice: 8347 },
  ],
  placedAt: '2025-11-22T10:00:00.000Z',
});
let streamCounter = 0;
const nextStream = () => {
  const n = ++streamCounter;
  const category = `order${n % 10}`;
  return { streamId: `${category}-${n}`, category, n };
};

// ---------------------------------------------------------------------------------------------
// CPU accounting from /proc

const CLK_TCK = 100; // getconf CLK_TCK on Linux x86-64
const procTicks = (pid: number): number => {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return 0; // gone
  }
};
const postgresPids = (): number[] =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    });
const machineTicks = (): { busy: number; total: number } => {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = line.reduce((a, b) => a + b, 0);
  const idle = line[3]! + line[4]!;
  return { busy: total - idle, total };
};

// ---------------------------------------------------------------------------------------------
// Variants

interface Appender {
  append(count: number): Promise<void>;
  close(): Promise<void>;
}
interface Variant {
  readonly name: string;
  open(pool: Pool): Appender;
}

const payload = (count: number, n: number) =>
  JSON.stringify(Array.from({ length: count }, (_, i) => ({ id: uuidv7(), type: EVENT_TYPE, data: eventData(n * 1000 + i), metadata: {} })));

const storeVariant = (name: string, notify: boolean): Variant => ({
  name,
  open(pool) {
    const store = new EventStore(pool);
    if (!notify) (store as unknown as { notifier: { poke(): void } }).notifier.poke = () => undefined;
    return {
      async append(count) {
        const { streamId, n } = nextStream();
        await store.append(streamId, Array.from({ length: count }, (_, i) => ({ type: EVENT_TYPE, data: eventData(n * 1000 + i) })), 'no_stream');
      },
      async close() {
        store.close();
      },
    };
  },
});

const fnVariant = (name: string, fn: string): Variant => ({
  name,
  open(pool) {
    const sql = `SELECT * FROM ${fn}($1, $2, $3::jsonb)`;
    return {
      async append(count) {
        const { streamId, n } = nextStream();
        await pool.query(sql, [streamId, '-1', payload(count, n)]);
      },
      async close() {},
    };
  },
});

/** The fast path, with the client half: a unique violation is retried through es.append. */
const fastPathVariant: Variant = {
  name: 'fn-fast-path',
  open(pool) {
    return {
      async append(count) {
        const { streamId, n } = nextStream();
        await appendFastPath(pool, streamId, '-1', payload(count, n));
      },
      async close() {},
    };
  },
};

async function appendFastPath(pool: Pool, stream: string, expected: string, events: string) {
  try {
    return (await pool.query('SELECT * FROM bench.append_fast_path($1, $2, $3::jsonb)', [stream, expected, events])).rows;
  } catch (err) {
    // A duplicate event id or a version taken meanwhile: the careful function sorts it out
    // (already stored, ES409 or ES410), exactly as today.
    if ((err as { code?: string }).code !== '23505') throw err;
    return (await pool.query('SELECT * FROM es.append($1, $2, $3::jsonb)', [stream, expected, events])).rows;
  }
}

const plainVariant: Variant = {
  name: 'plain',
  open(pool) {
    const cache = new Map<number, string>();
    const sqlFor = (rows: number) => {
      let s = cache.get(rows);
      if (!s) {
        const tuples = Array.from({ length: rows }, (_, r) => {
          const p = r * 7;
          return `(pg_current_xact_id(), nextval('es.event_position'), $${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${p + 7})`;
        });
        s = `INSERT INTO es.events (transaction_id, position, event_id, stream_id, category, version, type, data, metadata) VALUES ${tuples.join(', ')}`;
        cache.set(rows, s);
      }
      return s;
    };
    return {
      async append(count) {
        const { streamId, category, n } = nextStream();
        const values: unknown[] = [];
        for (let i = 0; i < count; i++) values.push(uuidv7(), streamId, category, i + 1, EVENT_TYPE, JSON.stringify(eventData(n * 1000 + i)), '{}');
        await pool.query(sqlFor(count), values);
      },
      async close() {},
    };
  },
};

const emmettVariant: Variant = {
  name: 'emmett',
  open(pool) {
    const store = getPostgreSQLEventStore(pool.options.connectionString!, { connectionOptions: { pool }, schema: { autoMigration: 'None' } });
    return {
      async append(count) {
        const { streamId, n } = nextStream();
        const events = Array.from({ length: count }, (_, i) => ({ type: EVENT_TYPE, data: eventData(n * 1000 + i) }));
        await store.appendToStream(streamId, events, { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
      },
      async close() {
        await store.close();
      },
    };
  },
};

const VARIANTS: readonly Variant[] = [
  storeVariant('store', true),
  storeVariant('store-no-notify', false),
  fnVariant('fn', 'es.append'),
  fnVariant('fn-no-conflict', 'bench.append_no_conflict'),
  fnVariant('fn-insert-only', 'bench.append_insert_only'),
  fastPathVariant,
  plainVariant,
  emmettVariant,
].filter((v) => !ONLY || ONLY.includes(v.name));

/** Builds the variant functions from the live es.append. */
async function installVariants(pool: Pool): Promise<void> {
  const { rows } = await pool.query<{ def: string }>(`SELECT pg_get_functiondef('es.append(text, bigint, jsonb)'::regprocedure) AS def`);
  const def = rows[0]!.def;
  const edit = (src: string, from: string | RegExp, to: string): string => {
    const out = src.replace(from, to);
    if (out === src) throw new Error(`es.append changed: cannot apply ${String(from)}`);
    return out;
  };
  await pool.query('CREATE SCHEMA bench');
  // 1. Without ON CONFLICT DO NOTHING: plain insertion instead of speculative insertion.
  let noConflict = edit(def, /FUNCTION es\.append\(/, 'FUNCTION bench.append_no_conflict(');
  noConflict = edit(noConflict, /\n\s*ON CONFLICT DO NOTHING/, '');
  await pool.query(noConflict);
  // 2. Only the INSERT: the body between BEGIN and END replaced by the insert statement alone.
  const insert = /RETURN QUERY\s+INSERT INTO es\.events[\s\S]*?RETURNING [^;]*;/.exec(def)?.[0];
  if (!insert) throw new Error('es.append changed: cannot find its INSERT');
  let insertOnly = edit(def, /FUNCTION es\.append\(/, 'FUNCTION bench.append_insert_only(');
  insertOnly = edit(insertOnly, /\nBEGIN\n[\s\S]*\nEND/, `\nBEGIN\n  v_version := 0;\n  ${insert.replace(/\n\s*ON CONFLICT DO NOTHING/, '')}\n  RETURN;\nEND`);
  await pool.query(insertOnly);
  // 3. The fast path (the proposal).
  const plainInsert = insert.replace(/\n\s*ON CONFLICT DO NOTHING/, '');
  let fast = edit(def, /FUNCTION es\.append\(/, 'FUNCTION bench.append_fast_path(');
  fast = edit(
    fast,
    /\nBEGIN\n[\s\S]*\nEND/,
    `
BEGIN
  -- 'no_stream' needs no look-up: the unique (stream_id, version) and event_id indexes refuse an
  -- existing stream or a stored id (23505), and the client then calls es.append, which answers
  -- as today (already stored, ES409, ES410).
  IF p_expected <> -1 THEN
    SELECT e.version, e.transaction_id INTO v_version, v_last_tx
    FROM es.events e WHERE e.stream_id = p_stream ORDER BY e.version DESC LIMIT 1;
    v_version := coalesce(v_version, 0);
    IF (p_expected >= 0 AND v_version <> p_expected) OR (p_expected = -2 AND v_version = 0) OR v_last_tx > v_txid THEN
      -- Unusual (a retry that already landed, a wrong expectation, an ordering retry): the careful path.
      RETURN QUERY SELECT * FROM es.append(p_stream, p_expected, p_events);
      RETURN;
    END IF;
  ELSE
    v_version := 0;
  END IF;
  ${plainInsert}
  RETURN;
END`,
  );
  await pool.query(fast);
  await checkFastPath(pool);
}

/** The fast path answers as es.append does, case by case (the outcome of each call compared). */
async function checkFastPath(pool: Pool): Promise<void> {
  const ev = (k: number) => JSON.stringify(Array.from({ length: k }, () => ({ id: uuidv7(), type: 'T', data: {}, metadata: {} })));
  const outcome = async (f: () => Promise<unknown[]>) => {
    try {
      const rows = (await f()) as { version: string; already_stored: boolean }[];
      return `ok v${rows.map((r) => r.version).join(',')}${rows[0]?.already_stored ? ' stored' : ''}`;
    } catch (err) {
      const e = err as { code?: string; detail?: string };
      return `error ${e.code} ${e.detail ?? ''}`.trim();
    }
  };
  const careful = (st: string, x: string, e: string) => pool.query('SELECT * FROM es.append($1, $2, $3::jsonb)', [st, x, e]).then((r) => r.rows);
  const fast = (st: string, x: string, e: string) => appendFastPath(pool, st, x, e);
  const r: Record<string, string[]> = {};
  for (const [name, impl] of [['es.append', careful], ['fast path', fast]] as const) {
    const st = `check-${name.replace(/\W/g, '')}`;
    const a = ev(2);
    const b = ev(1);
    const c = ev(1);
    const got = [
      await outcome(() => impl(st, '-1', a)), // new stream
      await outcome(() => impl(st, '-1', a)), // the same append again: already stored
      await outcome(() => impl(st, '-1', b)), // no_stream on an existing stream: ES409
      await outcome(() => impl(st, '2', b)), // exact version
      await outcome(() => impl(st, '2', b)), // retried after it landed: already stored
      await outcome(() => impl(st, '2', c)), // wrong version: ES409 with the actual one
      await outcome(() => impl(st, '-2', c)), // stream_exists
      await outcome(() => impl(`${st}-x`, '-2', ev(1))), // stream_exists on no stream: ES409
      await outcome(() => impl(`${st}-y`, '-3', ev(1))), // any
    ];
    r[name] = got;
  }
  if (JSON.stringify(r['es.append']) !== JSON.stringify(r['fast path'])) {
    throw new Error(`fast path answers differently:\n es.append: ${r['es.append']!.join(' | ')}\n fast path: ${r['fast path']!.join(' | ')}`);
  }
  process.stderr.write(`fast path answers as es.append: ${r['fast path']!.join(' | ')}\n`);
}

// ---------------------------------------------------------------------------------------------

interface Sample {
  rate: number;
  nodeUs: number;
  pgUs: number;
  otherPgUs: number;
  busyCores: number;
}

async function segment(pool: Pool, appender: Appender, w: Workload, seconds: number, measure: boolean): Promise<Sample | undefined> {
  let ours: number[] = [];
  let before = { ours: 0, all: 0, node: process.cpuUsage(), machine: machineTicks() };
  if (measure) {
    const { rows } = await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
    ours = rows.map((r) => r.pid);
    const all = postgresPids();
    before = {
      ours: ours.reduce((a, p) => a + procTicks(p), 0),
      all: all.reduce((a, p) => a + procTicks(p), 0),
      node: process.cpuUsage(),
      machine: machineTicks(),
    };
  }
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let events = 0;
  await Promise.all(
    Array.from({ length: w.concurrency }, async () => {
      while (performance.now() < deadline) {
        await appender.append(w.batch);
        events += w.batch;
      }
    }),
  );
  const secs = (performance.now() - start) / 1000;
  if (!measure) return undefined;
  const node = process.cpuUsage(before.node);
  const machine = machineTicks();
  const oursTicks = ours.reduce((a, p) => a + procTicks(p), 0) - before.ours;
  const allTicks = postgresPids().reduce((a, p) => a + procTicks(p), 0) - before.all;
  const us = (ticks: number) => (ticks * 1e6) / CLK_TCK / events;
  return {
    rate: events / secs,
    nodeUs: (node.user + node.system) / events,
    pgUs: us(oursTicks),
    otherPgUs: Math.max(0, us(allTicks - oursTicks)),
    busyCores: (machine.busy - before.machine.busy) / CLK_TCK / secs,
  };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  let db: TestDatabase | undefined;
  const samples = new Map<string, Sample[]>();
  process.stderr.write(`event-store-profile: ${ROUNDS} round(s) x ${SECONDS}s, pool ${POOL_SIZE}, ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}\n`);
  try {
    db = await createTestDatabase('bench_es_profile');
    await migrateEventStore(db.url);
    const admin = new Pool({ connectionString: db.url, max: 1 });
    await installVariants(admin);
    if (VARIANTS.includes(emmettVariant)) {
      const store = getPostgreSQLEventStore(db.url, { connectionOptions: { pool: admin } });
      await store.schema.migrate();
      await store.close();
    }
    await admin.end();

    for (let round = 0; round < ROUNDS; round++) {
      for (const [wi, w] of WORKLOADS.entries()) {
        const rot = (round + wi) % VARIANTS.length;
        for (const v of [...VARIANTS.slice(rot), ...VARIANTS.slice(0, rot)]) {
          const pool = new Pool({ connectionString: db.url, max: POOL_SIZE });
          pool.on('error', () => undefined);
          const appender = v.open(pool);
          try {
            await segment(pool, appender, w, WARMUP, false);
            const s = (await segment(pool, appender, w, SECONDS, true))!;
            const k = `${v.name}/${w.name}`;
            samples.set(k, [...(samples.get(k) ?? []), s]);
            process.stderr.write(
              `round ${round + 1} ${w.name.padEnd(8)} ${v.name.padEnd(16)} ${Math.round(s.rate).toString().padStart(6)} ev/s  node ${s.nodeUs.toFixed(0).padStart(4)} us/ev  pg ${s.pgUs.toFixed(0).padStart(4)} us/ev  other pg ${s.otherPgUs.toFixed(0).padStart(3)}  busy ${s.busyCores.toFixed(2)} cores\n`,
            );
          } finally {
            await appender.close();
            await pool.end();
          }
        }
      }
    }
  } finally {
    await db?.drop();
  }

  const lines = ['', `median of ${ROUNDS} round(s); CPU in microseconds per event (Node client | PostgreSQL backends of the bench database)`, ''];
  lines.push(`| variant | ${WORKLOADS.map((w) => `${w.name} events/s | ${w.name} CPU us/ev node + pg`).join(' | ')} |`);
  lines.push(`|---|${WORKLOADS.map(() => '---:|---:').join('|')}|`);
  const out: Record<string, Record<string, { rate: number; nodeUs: number; pgUs: number }>> = {};
  for (const v of VARIANTS) {
    const cells: string[] = [];
    out[v.name] = {};
    for (const w of WORKLOADS) {
      const s = samples.get(`${v.name}/${w.name}`) ?? [];
      const r = { rate: Math.round(median(s.map((x) => x.rate))), nodeUs: Math.round(median(s.map((x) => x.nodeUs))), pgUs: Math.round(median(s.map((x) => x.pgUs))) };
      out[v.name]![w.name] = r;
      cells.push(`${r.rate.toLocaleString('en-US')} | ${r.nodeUs} + ${r.pgUs} = ${r.nodeUs + r.pgUs}`);
    }
    lines.push(`| ${v.name} | ${cells.join(' | ')} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n${JSON.stringify({ bench: 'event-store-profile', rounds: ROUNDS, seconds: SECONDS, results: out })}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
