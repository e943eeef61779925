export const RUNTIME = Symbol('RUNTIME');
export const AGGREGATES = Symbol('AGGREGATES');
export const CLAIMS_CONFIG = Symbol('CLAIMS_CONFIG');
