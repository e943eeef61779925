import { loadConfig } from '@outcomes/config';
import { serviceSettings } from '@outcomes/platform';

export const capiSettings = { ...serviceSettings } as const;

export type CapiConfig = ReturnType<typeof loadCapiConfig>;
export const loadCapiConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(capiSettings, env);
