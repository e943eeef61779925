export * from './database';
export * from './unique';
export * from './wait';
export * from './event-store';
export * from './runtime';
export * from './decider-spec';
export * from './processes';
export * from './secured-nats';
