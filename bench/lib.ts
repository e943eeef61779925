import { readFileSync } from 'node:fs';
import type { Pool } from 'pg';

/** What the benches share: command-line options, the event they all write, and CPU counters. */
export const argv = process.argv.slice(2);
export const quick = argv.includes('--quick');
export const optStr = (name: string): string | undefined => argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3);
export const opt = (name: string, fallback: number): number => {
  const v = optStr(name);
  return v === undefined ? fallback : Number(v);
};

/** An order placed, ~200 bytes of JSON: the same event in every bench. */
export const eventData = (n: number) => ({
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

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; 0 for one that has ended. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in USER_HZ = 100 ticks
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by the PostgreSQL backends now serving `database` (default: the pool's own). */
export async function backendCpuSeconds(pool: Pool, database?: string): Promise<number> {
  const { rows } = await pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = coalesce($1, current_database())`, [database ?? null]);
  return rows.reduce((sum, { pid }) => sum + processCpuSeconds(pid), 0);
}
