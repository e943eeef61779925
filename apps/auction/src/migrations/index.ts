import { runMigrations } from '@outcomes/event-store';
import { CreateAuction1764000100000 } from './1764000100000-create-auction';

export const migrateAuction = (databaseUrl: string): Promise<string[]> => runMigrations(databaseUrl, [CreateAuction1764000100000], 'auction_migrations');
