import { Client } from 'pg';
import { DataSource, type MigrationInterface } from 'typeorm';
import { CreateEventStore1763800000000 } from './migrations/1763800000000-create-event-store';
import { AppendMany1764900000000 } from './migrations/1764900000000-append-many';
import { AppendManyGenericPlans1765000000000 } from './migrations/1765000000000-append-many-generic-plans';
import { EventsLz41765100000000 } from './migrations/1765100000000-events-lz4';
import { Snapshots1765200000000 } from './migrations/1765200000000-snapshots';
import { Commits1765300000000 } from './migrations/1765300000000-commits';

export const eventStoreMigrations: ReadonlyArray<new () => MigrationInterface> = [CreateEventStore1763800000000, AppendMany1764900000000, AppendManyGenericPlans1765000000000, EventsLz41765100000000, Snapshots1765200000000, Commits1765300000000];

/**
 * Runs TypeORM migrations under a PostgreSQL advisory lock, so services that start together
 * do not race to create the same schema. `table` names the migrations table of this set.
 */
export async function runMigrations(
  databaseUrl: string,
  migrations: ReadonlyArray<new () => MigrationInterface>,
  table: string,
): Promise<string[]> {
  const lock = new Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`migrations:${table}`]);
    const ds = new DataSource({
      type: 'postgres',
      url: databaseUrl,
      migrations: [...migrations],
      migrationsTableName: table,
      migrationsTransactionMode: 'each',
      logging: false,
    });
    await ds.initialize();
    try {
      const ran = await ds.runMigrations();
      return ran.map((m) => m.name);
    } finally {
      await ds.destroy();
    }
  } finally {
    await lock.end();
  }
}

export const migrateEventStore = (databaseUrl: string): Promise<string[]> =>
  runMigrations(databaseUrl, eventStoreMigrations, 'es_migrations');
