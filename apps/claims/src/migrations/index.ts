import { runMigrations } from '@outcomes/event-store';
import { CreateClaims1764000700000 } from './1764000700000-create-claims';
import { ClaimLifecycle1764000800000 } from './1764000800000-claim-lifecycle';

export const migrateClaims = (databaseUrl: string): Promise<string[]> => runMigrations(databaseUrl, [CreateClaims1764000700000, ClaimLifecycle1764000800000], 'claims_migrations');
