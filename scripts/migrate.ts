/**
 * Creates the platform database when it is missing, then applies every migration set in order.
 * `npm run migrate`; `npm start` runs the same steps first.
 */
import { loadConfig, platformSettings } from '@outcomes/config';
import { Client } from 'pg';
import { migrateAll } from './migrations';

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const c = new Client({ connectionString: admin.toString() });
  await c.connect();
  try {
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await c.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      console.log(`created database ${name}`);
    }
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const { databaseUrl } = loadConfig({ databaseUrl: platformSettings.databaseUrl });
  await ensureDatabase(databaseUrl);
  for (const [set, ran] of await migrateAll(databaseUrl)) {
    console.log(ran.length ? `${set}: applied ${ran.join(', ')}` : `${set}: up to date`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
