import { runMigrations } from '@outcomes/event-store';
import { CreateOptimizer1764001100000 } from './1764001100000-create-optimizer';
import { FeedbackCursor1764001200000 } from './1764001200000-feedback-cursor';
import { CompressedSnapshots1764001500000 } from './1764001500000-compressed-snapshots';

export const migrateOptimizer = (databaseUrl: string): Promise<string[]> => runMigrations(databaseUrl, [CreateOptimizer1764001100000, FeedbackCursor1764001200000, CompressedSnapshots1764001500000], 'optimizer_migrations');
