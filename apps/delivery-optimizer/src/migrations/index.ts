import { runMigrations } from '@outcomes/event-store';
import { CreateOptimizer1764001100000 } from './1764001100000-create-optimizer';
import { FeedbackCursor1764001200000 } from './1764001200000-feedback-cursor';

export const migrateOptimizer = (databaseUrl: string): Promise<string[]> => runMigrations(databaseUrl, [CreateOptimizer1764001100000, FeedbackCursor1764001200000], 'optimizer_migrations');
