export * from './health';
export * from './lifecycle';
export * from './pool';
export * from './runtime';
export * from './settings';
export * from './aggregates';
