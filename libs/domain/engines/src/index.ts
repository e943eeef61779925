export * from './engine.decide';
