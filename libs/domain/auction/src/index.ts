export * from './auction.rules';
export * from './budget.decide';
export * from './outcome.decide';
export * from './session.decide';
export * from './persistent-map';
export * from './budget.snapshot';
