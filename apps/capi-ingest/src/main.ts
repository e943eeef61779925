import 'reflect-metadata';
import { runService } from '@outcomes/platform';
import { createCapiApp, SERVICE } from './capi.app';
import { loadCapiConfig } from './config';

runService(SERVICE, loadCapiConfig, (rt) => createCapiApp(rt));
