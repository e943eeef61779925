import { runMigrations } from '@outcomes/event-store';
import { CreateEngines1764000000000 } from './1764000000000-create-engines';
import { WebhookBridge1764000300000 } from './1764000300000-webhook-bridge';

export const migrateEngineGateway = (databaseUrl: string): Promise<string[]> => runMigrations(databaseUrl, [CreateEngines1764000000000, WebhookBridge1764000300000], 'engine_gateway_migrations');
