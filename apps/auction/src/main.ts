import 'reflect-metadata';
import { startRuntime, stopOnSignals } from '@outcomes/platform';
import { createAuctionApp, SERVICE } from './auction.app';
import { loadAuctionConfig } from './config';

async function main(): Promise<void> {
  const config = loadAuctionConfig();
  const rt = await startRuntime(SERVICE, config);
  const app = await createAuctionApp(rt, config);
  const health = await rt.serveHealth();
  rt.logger.info({ healthPort: health.port, metricsPort: rt.metricsPort, tmaxMs: config.tmaxMs }, 'auction started');
  stopOnSignals(() => [{ stop: () => app.close() }, rt], (msg) => rt.logger.info(msg));
}

main().catch((err: unknown) => {
  process.stderr.write(`auction failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
