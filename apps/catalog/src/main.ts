import 'reflect-metadata';
import { startRuntime, stopOnSignals } from '@outcomes/platform';
import { createCatalogApp, SERVICE } from './catalog.app';
import { loadCatalogConfig } from './config';
import { Sealer } from '@outcomes/platform';

async function main(): Promise<void> {
  const config = loadCatalogConfig();
  const rt = await startRuntime(SERVICE, config);
  const app = await createCatalogApp(rt, new Sealer(config.secretsKey, config.retiredSecretsKeys));
  const health = await rt.serveHealth();
  rt.logger.info({ healthPort: health.port, metricsPort: rt.metricsPort }, 'catalog started');
  stopOnSignals(() => [rt, { stop: () => app.close() }], (msg) => rt.logger.info(msg));
}

main().catch((err: unknown) => {
  process.stderr.write(`catalog failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
