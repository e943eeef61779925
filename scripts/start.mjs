#!/usr/bin/env node
// `npm start`: applies migrations, then runs every service of the platform that exists so far,
// each in its own process with its own health and metrics ports, and says what it started.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const node = process.execPath;
const env = { ...process.env };
env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/outcomes';
env.NATS_URL ??= 'nats://127.0.0.1:4222';
// The demo's buyer places 10 outcomes a second and reads them back: more than the default per-key limit (20/s).
env.RATE_LIMIT_PER_SECOND ??= '100';
env.RATE_LIMIT_BURST ??= '200';

// A local run needs an operator key and a key that seals connector credentials. When they are not
// set, make them once and keep them in .outcomes/local-keys.json (git-ignored), so credentials
// sealed in one run still open in the next and the operator key stays the same.
const keysFile = join(root, '.outcomes', 'local-keys.json');
const saved = existsSync(keysFile) ? JSON.parse(readFileSync(keysFile, 'utf8')) : {};
const generated = {
  OUTCOMES_OPERATOR_KEY: saved.OUTCOMES_OPERATOR_KEY ?? `op_${randomBytes(24).toString('base64url')}`,
  OUTCOMES_SECRETS_KEY: saved.OUTCOMES_SECRETS_KEY ?? `local:${randomBytes(32).toString('base64')}`,
};
let madeKeys = false;
for (const [name, value] of Object.entries(generated)) {
  if (env[name]) continue;
  env[name] = value;
  madeKeys = true;
}
if (madeKeys && (!saved.OUTCOMES_OPERATOR_KEY || !saved.OUTCOMES_SECRETS_KEY)) {
  mkdirSync(dirname(keysFile), { recursive: true });
  writeFileSync(keysFile, `${JSON.stringify(generated, null, 2)}\n`, { mode: 0o600 });
}

// Services in start order. Ports: health 8081.., metrics 9465.. (HEALTH_PORT/METRICS_PORT per service).
const services = [
  { name: 'relay', what: 'publishes the event store to JetStream (evt.<category>.<Type>)' },
  { name: 'catalog', what: 'outcome types, buyers, API keys and configurations (cmd.catalog.*)' },
  { name: 'engine-gateway', what: 'engines: the registry, NATS credentials, the bridge to webhook engines (cmd.engine-gateway.*)' },
  { name: 'auction', what: 'outcome requests, auctions among engines, budgets (cmd.auction.*)' },
  { name: 'capi-ingest', what: 'the Conversions API intake: conversion events, deduplicated (cmd.capi-ingest.*)' },
  { name: 'claims', what: 'settlement: the ledger, charges, refunds, attribution and claim windows (cmd.claims.*)' },
  { name: 'delivery-optimizer', what: 'learns which engine to pick and what to pay: quotes for the auction, reports (cmd.delivery-optimizer.*)' },
  { name: 'api-gateway', what: `the buyer API on http://127.0.0.1:${env.PORT ?? 3000}/v1 (OpenAPI: /docs)` },
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
log(`operator key: ${env.OUTCOMES_OPERATOR_KEY}${madeKeys ? ` (generated for local runs, kept in ${keysFile.replace(root + '/', '')})` : ''}`);
log(`create a buyer: curl -s -X POST http://127.0.0.1:${env.PORT ?? 3000}/v1/buyers -H "Authorization: Bearer $OPERATOR_KEY" -H 'content-type: application/json' -d '{"name":"Acme"}'`);
log('running; Ctrl-C stops everything');

// The demo: simulated engines, a demo buyer with launched configurations, and traffic. `npm start -- --no-demo` skips it.
if (!process.argv.includes('--no-demo')) {
  const demo = spawn(node, ['-r', '@swc-node/register', join(root, 'scripts/demo.ts')], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  demo.on('exit', (code) => !stopping && code !== 0 && log(`the demo stopped (${code}); the platform keeps running`));
  children.push(demo);
}

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
