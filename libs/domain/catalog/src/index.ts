export * from './outcome-type/outcome-type.decide';
export * from './outcome-type/outcome-type.events';
