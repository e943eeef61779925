export const RUNTIME = Symbol('RUNTIME');
export const AGGREGATES = Symbol('AGGREGATES');
export const SEALER = Symbol('SEALER');
