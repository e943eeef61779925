import { randomBytes } from 'node:crypto';

/** A short name unique to this test run, safe in database, stream and subject names. */
export const uniqueName = (prefix = 't'): string => `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
