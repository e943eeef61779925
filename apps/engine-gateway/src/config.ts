import { int, loadConfig, optionalStr, str } from '@outcomes/config';
import { retiredKeysSetting, secretsKeySetting, serviceSettings } from '@outcomes/platform';

export const engineGatewaySettings = {
  ...serviceSettings,
  secretsKey: secretsKeySetting('OUTCOMES_SECRETS_KEY', 'key that seals engine webhook credentials and signs callback tokens: <key id>:<32 bytes in base64>'),
  retiredSecretsKeys: retiredKeysSetting('OUTCOMES_SECRETS_RETIRED_KEYS', 'older keys, comma-separated, that still open what they sealed'),
  publicUrl: str('OUTCOMES_PUBLIC_URL', 'http://127.0.0.1:3000', 'the API gateway as engines reach it: webhook engines post their execution reports there'),
  webhookTimeoutMs: int('WEBHOOK_TIMEOUT_MS', 10_000, { min: 100, max: 60_000 }, 'how long the gateway waits for one call to a webhook engine'),
  webhookAttempts: int('WEBHOOK_ATTEMPTS', 3, { min: 1, max: 10 }, 'calls to a webhook engine (award, notices, configuration updates, feedback) before giving up'),
  callbackTtlSeconds: int('CALLBACK_TTL_SECONDS', 86_400, { min: 60 }, 'how long a webhook engine may report on an awarded outcome'),
  natsAccount: optionalStr('NATS_ACCOUNT', 'public key (A…) of the NATS account engines connect to, when NATS runs with accounts'),
  natsAccountSigningSeed: optionalStr('NATS_ACCOUNT_SIGNING_SEED', 'seed (SA…) of a signing key of that account: the gateway mints each NATS engine its credentials with it'),
  engineCredentialsTtlSeconds: int('ENGINE_CREDENTIALS_TTL_SECONDS', 30 * 86_400, { min: 60 }, 'how long NATS credentials minted for an engine stay valid'),
} as const;

export type EngineGatewayConfig = ReturnType<typeof loadEngineGatewayConfig>;
export const loadEngineGatewayConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(engineGatewaySettings, env);
