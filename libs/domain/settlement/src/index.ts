export * from './settlement.decide';
