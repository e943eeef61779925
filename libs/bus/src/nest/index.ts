export * from './outcomes.transport';
export * from './rpc-errors.filter';
