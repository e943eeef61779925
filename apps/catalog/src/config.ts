import { loadConfig } from '@outcomes/config';
import { serviceSettings } from '@outcomes/platform';

export type CatalogConfig = ReturnType<typeof loadCatalogConfig>;
export const loadCatalogConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(serviceSettings, env);
