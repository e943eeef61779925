import { runMigrations } from '@outcomes/event-store';
import { CreateCatalog1763900100000 } from './1763900100000-create-catalog';
import { AccountsAndConfigs1763990000000 } from './1763990000000-accounts-and-configs';

export const migrateCatalog = (databaseUrl: string): Promise<string[]> =>
  runMigrations(databaseUrl, [CreateCatalog1763900100000, AccountsAndConfigs1763990000000], 'catalog_migrations');
