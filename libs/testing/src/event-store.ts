import { EventStore, migrateEventStore } from '@outcomes/event-store';
import { createTestDatabase, type TestDatabase } from './database';

export interface TestEventStore {
  readonly db: TestDatabase;
  readonly store: EventStore;
  close(): Promise<void>;
}

/** A migrated event store in a fresh database of its own; `close` drops it. */
export async function createTestEventStore(poolSize = 10): Promise<TestEventStore> {
  const db = await createTestDatabase();
  await migrateEventStore(db.url);
  const store = new EventStore(db.pool({ max: poolSize }));
  return {
    db,
    store,
    async close() {
      store.close();
      await db.drop();
    },
  };
}
