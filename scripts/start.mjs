#!/usr/bin/env node
// `npm start`: applies migrations, then runs every service of the platform that exists so far,
// each in its own process with its own health and metrics ports, and says what it started.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const node = process.execPath;
const env = { ...process.env };
env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/outcomes';
env.NATS_URL ??= 'nats://127.0.0.1:4222';

// Services in start order. Ports: health 8081.., metrics 9465.. (HEALTH_PORT/METRICS_PORT per service).
const services = [
  { name: 'relay', what: 'publishes the event store to JetStream (evt.<category>.<Type>)' },
  { name: 'catalog', what: 'outcome types over NATS: cmd.catalog.publishOutcomeType, getOutcomeType, listOutcomeTypes' },
];

const log = (msg) => process.stdout.write(`[start] ${msg}\n`);

log(`PostgreSQL: ${env.DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}`);
log(`NATS:       ${env.NATS_URL}`);
const migrate = spawnSync(node, ['-r', '@swc-node/register', join(root, 'scripts/migrate.ts')], { cwd: root, env, stdio: 'inherit' });
if (migrate.status !== 0) {
  log('migrations failed: is PostgreSQL running and reachable at DATABASE_URL? (bash scripts/ensure-services.sh starts local servers)');
  process.exit(1);
}

const children = [];
let stopping = false;
services.forEach((svc, i) => {
  const healthPort = 8081 + i;
  const metricsPort = 9465 + i;
  const child = spawn(node, ['-r', '@swc-node/register', join(root, `apps/${svc.name}/src/main.ts`)], {
    cwd: root,
    env: { ...env, HEALTH_PORT: String(healthPort), METRICS_PORT: String(metricsPort) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    log(`${svc.name} exited (${signal ?? code}); stopping the platform`);
    stop(1);
  });
  children.push(child);
  log(`${svc.name.padEnd(8)} ${svc.what}  (health http://127.0.0.1:${healthPort}/readyz, metrics http://127.0.0.1:${metricsPort}/metrics)`);
});
log('running; Ctrl-C stops everything');

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  let left = children.filter((c) => c.exitCode === null).length;
  if (left === 0) process.exit(code);
  for (const c of children) c.once('exit', () => --left === 0 && process.exit(code));
  setTimeout(() => process.exit(code), 20_000).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
