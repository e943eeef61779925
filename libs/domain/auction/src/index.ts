export * from './auction.rules';
export * from './budget.decide';
