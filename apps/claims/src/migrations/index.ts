import { runMigrations } from '@outcomes/event-store';
import { CreateClaims1764000700000 } from './1764000700000-create-claims';

export const migrateClaims = (databaseUrl: string): Promise<string[]> => runMigrations(databaseUrl, [CreateClaims1764000700000], 'claims_migrations');
