import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { testNatsUrl } from './runtime';

/** The repository root: services run from here as `npm start` runs them. */
export const repoRoot = join(__dirname, '../../..');

/** Applies every migration set to a database, through the same script `npm run migrate` runs. */
export function migrateDatabase(databaseUrl: string): void {
  const r = spawnSync(process.execPath, ['-r', '@swc-node/register', join(repoRoot, 'scripts/migrate.ts')], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`migrations failed: ${r.stderr || r.stdout}`);
}

export interface ServiceProcesses {
  start(app: string, env?: Readonly<Record<string, string>>): ChildProcess;
  /** SIGTERM to each, waiting for every exit. */
  stopAll(): Promise<void>;
}

/** Real service processes (`apps/<app>/src/main.ts`) on a test database and NATS namespace. */
export function serviceProcesses(databaseUrl: string, namespace: string): ServiceProcesses {
  const children: ChildProcess[] = [];
  const running = () => children.filter((c) => c.exitCode === null && c.signalCode === null);
  // A test or bench that ends without stopping them (a crash, an exit on error) leaves no service running.
  const onExit = () => running().forEach((c) => c.kill('SIGTERM'));
  process.once('exit', onExit);
  return {
    start(app, env = {}) {
      // OUTCOMES_PROFILE_DIR: each service writes a V8 CPU profile there when it stops (for benchmarks).
      const profile = process.env['OUTCOMES_PROFILE_DIR'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['OUTCOMES_PROFILE_DIR']}`, `--cpu-prof-name=${app}.cpuprofile`] : [];
      // OUTCOMES_NODE_FLAGS: more flags for each service's node, such as --trace-gc (not all are allowed in NODE_OPTIONS).
      // OUTCOMES_NODE_FLAGS_<APP> (OUTCOMES_NODE_FLAGS_AUCTION, say): more flags for that service's node only.
      const own = process.env[`OUTCOMES_NODE_FLAGS_${app.toUpperCase().replace(/-/g, '_')}`] ?? '';
      const flags = `${process.env['OUTCOMES_NODE_FLAGS'] ?? ''} ${own}`.split(/\s+/).filter(Boolean);
      const child = spawn(process.execPath, [...profile, ...flags, '-r', '@swc-node/register', join(repoRoot, `apps/${app}/src/main.ts`)], {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: databaseUrl, NATS_URL: testNatsUrl(), OUTCOMES_NAMESPACE: namespace, METRICS_PORT: '0', HEALTH_PORT: '0', LOG_LEVEL: 'warn', ...env },
        // OUTCOMES_SERVICE_LOGS=1 shows the services' own logs (stdout), for debugging a test or a bench.
        stdio: ['ignore', process.env['OUTCOMES_SERVICE_LOGS'] ? 'inherit' : 'ignore', 'inherit'],
      });
      children.push(child);
      return child;
    },
    async stopAll() {
      // Stopped here: the exit hook has nothing left to do (a worker that runs many test files keeps no hook per file).
      process.off('exit', onExit);
      await Promise.all(running().map((c) => new Promise((resolve) => { c.once('exit', resolve); c.kill('SIGTERM'); })));
    },
  };
}
