import 'reflect-metadata';
import { Sealer, startRuntime, stopOnSignals } from '@outcomes/platform';
import { loadEngineGatewayConfig } from './config';
import { createEngineGatewayApp, SERVICE } from './engine-gateway.app';

async function main(): Promise<void> {
  const config = loadEngineGatewayConfig();
  const rt = await startRuntime(SERVICE, config);
  const app = await createEngineGatewayApp(rt, new Sealer(config.secretsKey, config.retiredSecretsKeys));
  const health = await rt.serveHealth();
  rt.logger.info({ healthPort: health.port, metricsPort: rt.metricsPort }, 'engine-gateway started');
  stopOnSignals(() => [rt, { stop: () => app.close() }], (msg) => rt.logger.info(msg));
}

main().catch((err: unknown) => {
  process.stderr.write(`engine-gateway failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
