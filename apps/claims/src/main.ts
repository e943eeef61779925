import 'reflect-metadata';
import { runService } from '@outcomes/platform';
import { createClaimsApp, SERVICE } from './claims.app';
import { loadClaimsConfig } from './config';

runService(SERVICE, loadClaimsConfig, createClaimsApp);
