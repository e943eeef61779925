import { migrateBus } from '@outcomes/bus';
import { migrateEventStore } from '@outcomes/event-store';
import { migrateGateway } from '../apps/api-gateway/src/migrations';
import { migrateAuction } from '../apps/auction/src/migrations';
import { migrateCapi } from '../apps/capi-ingest/src/migrations';
import { migrateCatalog } from '../apps/catalog/src/migrations';
import { migrateClaims } from '../apps/claims/src/migrations';
import { migrateOptimizer } from '../apps/delivery-optimizer/src/migrations';
import { migrateEngineGateway } from '../apps/engine-gateway/src/migrations';

/** Every migration set of the platform, in the order they must run. */
export async function migrateAll(databaseUrl: string): Promise<Array<[string, string[]]>> {
  return [
    ['event store', await migrateEventStore(databaseUrl)],
    ['bus', await migrateBus(databaseUrl)],
    ['catalog', await migrateCatalog(databaseUrl)],
    ['engine-gateway', await migrateEngineGateway(databaseUrl)],
    ['auction', await migrateAuction(databaseUrl)],
    ['capi-ingest', await migrateCapi(databaseUrl)],
    ['claims', await migrateClaims(databaseUrl)],
    ['delivery-optimizer', await migrateOptimizer(databaseUrl)],
    ['api-gateway', await migrateGateway(databaseUrl)],
  ];
}
