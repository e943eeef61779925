import { int, loadConfig } from '@outcomes/config';
import { serviceSettings } from '@outcomes/platform';

export const relaySettings = {
  ...serviceSettings,
  batchSize: int('RELAY_BATCH_SIZE', 500, { min: 1, max: 10_000 }, 'events read from the store per batch'),
  maxInFlight: int('RELAY_MAX_IN_FLIGHT', 256, { min: 1, max: 10_000 }, 'publishes awaiting their JetStream ack at once'),
} as const;

export type RelayConfig = ReturnType<typeof loadRelayConfig>;
export const loadRelayConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(relaySettings, env);
