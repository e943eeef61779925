import { runMigrations } from '@outcomes/event-store';
import { CreateOptimizer1764001100000 } from './1764001100000-create-optimizer';

export const migrateOptimizer = (databaseUrl: string): Promise<string[]> => runMigrations(databaseUrl, [CreateOptimizer1764001100000], 'optimizer_migrations');
