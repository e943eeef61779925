export * from './settlement.decide';
export * from './claim.decide';
