import { stopOnSignals } from './lifecycle';
import { startRuntime, type RuntimeOptions, type ServiceRuntime } from './runtime';
import type { ServiceConfig } from './settings';

/**
 * A service process's `main`: validated settings, the runtime, the app, `/healthz` and `/readyz`,
 * and a clean stop on SIGTERM (the app first, then what it stands on). A bad setting or a failed
 * start exits 1 with the reason.
 */
export function runService<C extends ServiceConfig>(
  name: string,
  loadConfig: () => C,
  startApp: (rt: ServiceRuntime, config: C) => Promise<{ close(): Promise<void> }>,
  options: RuntimeOptions = {},
): void {
  const main = async (): Promise<void> => {
    const config = loadConfig();
    const rt = await startRuntime(name, config, options);
    const app = await startApp(rt, config);
    const health = await rt.serveHealth();
    rt.logger.info({ healthPort: health.port, metricsPort: rt.metricsPort }, `${name} started`);
    stopOnSignals(() => [rt, { stop: () => app.close() }], (msg) => rt.logger.info(msg));
  };
  main().catch((err: unknown) => {
    process.stderr.write(`${name} failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
