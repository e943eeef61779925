import { loadConfig } from '@outcomes/config';
import { serviceSettings } from '@outcomes/platform';
import { retiredKeysSetting, secretsKeySetting } from '@outcomes/platform';

export const catalogSettings = {
  ...serviceSettings,
  secretsKey: secretsKeySetting('OUTCOMES_SECRETS_KEY', 'key that seals connector credentials: <key id>:<32 bytes in base64>'),
  retiredSecretsKeys: retiredKeysSetting('OUTCOMES_SECRETS_RETIRED_KEYS', 'older keys, comma-separated, that still open what they sealed'),
} as const;

export type CatalogConfig = ReturnType<typeof loadCatalogConfig>;
export const loadCatalogConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(catalogSettings, env);
