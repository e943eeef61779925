export * from './facts';
export * from './settings';
export * from './random';
export * from './estimates';
export * from './optimizer';
export * from './reports';
export * from './quote-wire';
