export * from './errors';
export * from './event-store';
export * from './migrate';
export * from './subscription';
export * from './types';
export { uuidv7, isUuid } from './uuid';
