import { runMigrations } from '@outcomes/event-store';
import { CreateCatalog1763900100000 } from './1763900100000-create-catalog';

export const migrateCatalog = (databaseUrl: string): Promise<string[]> =>
  runMigrations(databaseUrl, [CreateCatalog1763900100000], 'catalog_migrations');
