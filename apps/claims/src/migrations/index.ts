import { runMigrations } from '@outcomes/event-store';
import { CreateClaims1764000700000 } from './1764000700000-create-claims';
import { ClaimLifecycle1764000800000 } from './1764000800000-claim-lifecycle';
import { OutcomeHistory1764000900000 } from './1764000900000-outcome-history';
import { ProjectionGenerations1764001000000 } from './1764001000000-projection-generations';

export const migrateClaims = (databaseUrl: string): Promise<string[]> => runMigrations(databaseUrl, [CreateClaims1764000700000, ClaimLifecycle1764000800000, OutcomeHistory1764000900000, ProjectionGenerations1764001000000], 'claims_migrations');
