/**
 * Operator tool for events a consumer gave up on.
 *   npm run dead-letters -- list [--consumer <durable>] [--all]
 *   npm run dead-letters -- replay <id> | --consumer <durable>
 * Replay hands the parked event to a running copy of the consumer; the row is marked replayed
 * only when its handler succeeds.
 */
import { connectBus, DeadLetters } from '@outcomes/bus';
import { loadConfig, platformSettings } from '@outcomes/config';
import { Pool } from 'pg';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

async function main(): Promise<number> {
  const config = loadConfig(platformSettings);
  const pool = new Pool({ connectionString: config.databaseUrl, max: 2 });
  const bus = await connectBus({ servers: config.natsUrl.split(','), name: 'dead-letters-cli', namespace: config.natsNamespace });
  const letters = new DeadLetters(pool, bus);
  try {
    const [verb, target] = args;
    if (verb === 'list') {
      const consumer = flag('consumer');
      const rows = await letters.list({ ...(consumer ? { consumer } : {}), includeReplayed: args.includes('--all') });
      for (const d of rows) {
        const state = d.replayedAt ? `replayed ${d.replayedAt.toISOString()}` : 'open';
        console.log(`${d.id}\t${d.consumer}\t${d.subject}\tevent ${d.eventId ?? '-'}\t${d.attempts} attempts\t${state}\t${d.error.split('\n')[0]}`);
      }
      console.log(`${rows.length} dead letter(s)`);
      return 0;
    }
    if (verb === 'replay' && (target || flag('consumer'))) {
      const consumer = flag('consumer');
      const results = await letters.replay(consumer ? { consumer } : target!);
      for (const r of results) console.log(`${r.id}\t${r.ok ? 'replayed' : `failed: ${r.error ?? 'skipped'}`}`);
      return results.every((r) => r.ok) ? 0 : 1;
    }
    console.error('usage: dead-letters list [--consumer <durable>] [--all] | replay <id> | replay --consumer <durable>');
    return 2;
  } finally {
    await bus.close();
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
