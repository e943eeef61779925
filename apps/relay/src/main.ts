import { startRuntime, stopOnSignals } from '@outcomes/platform';
import { loadRelayConfig } from './config';
import { runRelay } from './relay.process';

async function main(): Promise<void> {
  const config = loadRelayConfig();
  const rt = await startRuntime('relay', config, { noAsyncTraces: true });
  const relay = await runRelay(rt, config);
  // A standby copy is ready too: it holds no lock, but takes over the moment the leader dies.
  const health = await rt.serveHealth();
  rt.logger.info({ healthPort: health.port, metricsPort: rt.metricsPort }, 'relay started');
  stopOnSignals(() => [rt, relay], (msg) => rt.logger.info(msg));
}

main().catch((err: unknown) => {
  process.stderr.write(`relay failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
