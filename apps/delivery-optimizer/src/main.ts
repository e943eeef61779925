import 'reflect-metadata';
import { runService } from '@outcomes/platform';
import { createOptimizerApp, SERVICE } from './optimizer.app';
import { loadOptimizerConfig } from './config';

runService(SERVICE, loadOptimizerConfig, createOptimizerApp);
