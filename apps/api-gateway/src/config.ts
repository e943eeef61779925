import { int, loadConfig, optionalStr } from '@outcomes/config';
import { serviceSettings } from '@outcomes/platform';

export const gatewaySettings = {
  ...serviceSettings,
  port: int('PORT', 3000, { min: 0, max: 65535 }, 'HTTP port of the buyer API'),
  operatorKey: optionalStr('OUTCOMES_OPERATOR_KEY', 'the operator key (creates buyers, registers custom outcome types); unset: no operator routes'),
  rateLimitPerSecond: int('RATE_LIMIT_PER_SECOND', 20, { min: 1 }, 'requests per second per API key, sustained'),
  rateLimitBurst: int('RATE_LIMIT_BURST', 40, { min: 1 }, 'requests per API key allowed in a burst'),
  commandTimeoutMs: int('COMMAND_TIMEOUT_MS', 5000, { min: 100 }, 'how long the gateway waits for a service to answer'),
} as const;

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
export const loadGatewayConfig = (env: NodeJS.ProcessEnv = process.env) => {
  const config = loadConfig(gatewaySettings, env);
  return config;
};
