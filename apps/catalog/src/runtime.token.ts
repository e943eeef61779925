import type { ServiceRuntime } from '@outcomes/platform';

/** Injection token of the process's runtime (pool, event store, bus, logger). */
export const RUNTIME = Symbol('RUNTIME');
export type CatalogRuntime = ServiceRuntime;
