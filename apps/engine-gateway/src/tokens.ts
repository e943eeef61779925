export const RUNTIME = Symbol('RUNTIME');
export const AGGREGATES = Symbol('AGGREGATES');
export const SEALER = Symbol('SEALER');
export const BRIDGE_CONFIG = Symbol('BRIDGE_CONFIG');
