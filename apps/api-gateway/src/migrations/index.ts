import { runMigrations } from '@outcomes/event-store';
import { CreateGateway1763990100000 } from './1763990100000-create-gateway';

export const migrateGateway = (databaseUrl: string): Promise<string[]> => runMigrations(databaseUrl, [CreateGateway1763990100000], 'gateway_migrations');
