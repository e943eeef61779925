import { runMigrations } from '@outcomes/event-store';
import type { MigrationInterface } from 'typeorm';
import { CreateBus1763900000000 } from './migrations/1763900000000-create-bus';

export const busMigrations: ReadonlyArray<new () => MigrationInterface> = [CreateBus1763900000000];

/** Creates schema `bus` (dead letters, applied markers); safe to call from every replica at start. */
export const migrateBus = (databaseUrl: string): Promise<string[]> => runMigrations(databaseUrl, busMigrations, 'bus_migrations');
