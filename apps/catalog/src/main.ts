import 'reflect-metadata';
import { runService, Sealer } from '@outcomes/platform';
import { createCatalogApp, SERVICE } from './catalog.app';
import { loadCatalogConfig } from './config';

runService(SERVICE, loadCatalogConfig, (rt, config) => createCatalogApp(rt, new Sealer(config.secretsKey, config.retiredSecretsKeys)));
