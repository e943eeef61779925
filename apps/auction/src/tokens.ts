export const RUNTIME = Symbol('RUNTIME');
export const AGGREGATES = Symbol('AGGREGATES');
export const AUCTION_CONFIG = Symbol('AUCTION_CONFIG');
