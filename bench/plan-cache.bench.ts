/**
 * `npm run bench -- plan-cache [--quick] [--calls=3000] [--rounds=2]`
 *
 * What forced generic plans save `es.append_many`: backend CPU per call (from `/proc/<pid>/stat`
 * of the database's sessions) of 4-append calls, with the function's `plan_cache_mode` as the
 * migration sets it (`force_generic_plan`) and reset to PostgreSQL's default (`auto`, which kept
 * choosing custom plans, planning every statement of the function on every call), alternating.
 */
import { randomUUID } from 'node:crypto';
import { createTestEventStore } from '@outcomes/testing';
import { backendCpuSeconds, opt, quick } from './lib';

const CALLS = opt('calls', quick ? 1500 : 3000);
const ROUNDS = opt('rounds', 2);
const APPEND_MANY = 'es.append_many';
const APPEND_MANY_SIGNATURE = `${APPEND_MANY}(text[], bigint[], int[], uuid[], json)`;

async function main(): Promise<void> {
  const t = await createTestEventStore(1);
  const pool = t.store.pool;
  const backendSeconds = () => backendCpuSeconds(pool);
  let n = 0;
  const run = async (): Promise<{ cpuUs: number; wallMs: number }> => {
    const c0 = await backendSeconds();
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) {
      const streams = Array.from({ length: 4 }, () => `plan-${n++}`);
      const events = streams.map(() => [{ type: 'T', data: { i, pad: 'x'.repeat(200) }, metadata: { actor: 'bench' } }]);
      await pool.query({
        name: 'append_many',
        text: `SELECT * FROM ${APPEND_MANY}($1::text[], $2::bigint[], $3::int[], $4::uuid[], $5::json)`,
        values: [streams, streams.map(() => '-1'), streams.map(() => 1), `{${streams.map(() => randomUUID()).join(',')}}`, JSON.stringify(events)],
      });
    }
    return { cpuUs: ((await backendSeconds()) - c0) / CALLS * 1e6, wallMs: (performance.now() - t0) / CALLS };
  };
  const results: Record<'generic' | 'auto', Array<{ cpuUs: number; wallMs: number }>> = { generic: [], auto: [] };
  for (let r = 0; r < ROUNDS; r++) {
    await pool.query(`ALTER FUNCTION ${APPEND_MANY_SIGNATURE} RESET plan_cache_mode`);
    results.auto.push(await run());
    await pool.query(`ALTER FUNCTION ${APPEND_MANY_SIGNATURE} SET plan_cache_mode = force_generic_plan`);
    results.generic.push(await run());
  }
  await t.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary = Object.fromEntries(
    Object.entries(results).map(([k, rs]) => [k, { backend_cpu_us_per_call: Math.round(median(rs.map((x) => x.cpuUs))), wall_ms_per_call: Number(median(rs.map((x) => x.wallMs)).toFixed(2)) }]),
  );
  console.log(`es.append_many, 4 appends of one event per call, ${CALLS} calls x ${ROUNDS} rounds, one connection`);
  console.table(summary);
  console.log(JSON.stringify({ bench: 'plan-cache', results: summary, ratios: { generic_vs_auto_cpu: Number((summary['generic']!.backend_cpu_us_per_call / summary['auto']!.backend_cpu_us_per_call).toFixed(2)) } }));
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
