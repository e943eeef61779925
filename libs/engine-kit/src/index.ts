export * from './engine';
export * from './sim-engine';
