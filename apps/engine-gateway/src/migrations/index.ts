import { runMigrations } from '@outcomes/event-store';
import { CreateEngines1764000000000 } from './1764000000000-create-engines';

export const migrateEngineGateway = (databaseUrl: string): Promise<string[]> => runMigrations(databaseUrl, [CreateEngines1764000000000], 'engine_gateway_migrations');
