import { runMigrations } from '@outcomes/event-store';
import { CreateCapi1764000600000 } from './1764000600000-create-capi';

export const migrateCapi = (databaseUrl: string): Promise<string[]> => runMigrations(databaseUrl, [CreateCapi1764000600000], 'capi_migrations');
