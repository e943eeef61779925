import { loadConfig } from '@outcomes/config';
import { retiredKeysSetting, secretsKeySetting, serviceSettings } from '@outcomes/platform';

export const engineGatewaySettings = {
  ...serviceSettings,
  secretsKey: secretsKeySetting('OUTCOMES_SECRETS_KEY', 'key that seals engine webhook credentials: <key id>:<32 bytes in base64>'),
  retiredSecretsKeys: retiredKeysSetting('OUTCOMES_SECRETS_RETIRED_KEYS', 'older keys, comma-separated, that still open what they sealed'),
} as const;

export const loadEngineGatewayConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(engineGatewaySettings, env);
