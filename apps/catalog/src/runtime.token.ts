import type { Aggregates, ServiceRuntime } from '@outcomes/platform';
import type { Sealer } from '@outcomes/platform';

/** Injection token of the process's runtime (pool, event store, bus, logger). */
export const RUNTIME = Symbol('RUNTIME');
export type CatalogRuntime = ServiceRuntime;

/** Load, decide, append: one per process, over the runtime's event store. */
export const AGGREGATES = Symbol('AGGREGATES');
export type { Aggregates };

/** Seals connector credentials before they enter an event. */
export const SEALER = Symbol('SEALER');
export type { Sealer };
