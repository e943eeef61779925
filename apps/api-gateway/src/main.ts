import 'reflect-metadata';
import { startRuntime, stopOnSignals } from '@outcomes/platform';
import { loadGatewayConfig } from './config';
import { createGatewayApp, SERVICE } from './gateway.app';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const rt = await startRuntime(SERVICE, config);
  const app = await createGatewayApp(rt, config);
  // The same /healthz and /readyz on HEALTH_PORT as every service, for uniform probes.
  await rt.serveHealth();
  rt.logger.info({ port: config.port, metricsPort: rt.metricsPort, operatorKey: config.operatorKey ? 'set' : 'unset' }, 'api-gateway listening');
  stopOnSignals(() => [{ stop: () => app.close() }, rt], (msg) => rt.logger.info(msg));
}

main().catch((err: unknown) => {
  process.stderr.write(`api-gateway failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
