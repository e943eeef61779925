import 'reflect-metadata';
import { connectBus } from '@outcomes/bus';
import { loadConfig, platformSettings, str } from '@outcomes/config';
import { runEngine, simEngine, type SimEngineSpec } from '@outcomes/engine-kit';
import { createLogger } from '@outcomes/telemetry';

/** A fleet of simulated engines on NATS: ENGINE_SIM_FLEET is a JSON array of SimEngineSpec (registered engine ids). */
async function main(): Promise<void> {
  const config = loadConfig({ natsUrl: platformSettings.natsUrl, natsNamespace: platformSettings.natsNamespace, fleet: str('ENGINE_SIM_FLEET', undefined, 'JSON array of simulated engines') });
  const fleet = JSON.parse(config.fleet) as SimEngineSpec[];
  const logger = createLogger('engine-sim', { level: 'info' });
  const bus = await connectBus({ servers: config.natsUrl.split(','), name: 'engine-sim', namespace: config.natsNamespace, logger });
  const running = fleet.map((spec) => runEngine(bus, spec.id, simEngine(spec)));
  logger.info({ engines: fleet.map((e) => e.name) }, 'simulated engines running');
  const stop = async () => {
    for (const r of running) await r.stop();
    await bus.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`engine-sim failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
