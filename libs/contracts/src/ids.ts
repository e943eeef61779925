import { randomBytes } from 'node:crypto';

export type IdPrefix = 'buy' | 'key' | 'cfg' | 'out' | 'sess' | 'eng' | 'clm' | 'evt';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * `<prefix>_` and 26 Crockford base-32 characters of a 48-bit millisecond time and 80 random bits:
 * ids sort by creation time, so an id is also a keyset-pagination cursor.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  let time = BigInt(now);
  let rand = BigInt(`0x${randomBytes(10).toString('hex')}`);
  const out: string[] = [];
  for (let i = 0; i < 16; i++) {
    out.push(CROCKFORD[Number(rand & 31n)]!);
    rand >>= 5n;
  }
  for (let i = 0; i < 10; i++) {
    out.push(CROCKFORD[Number(time & 31n)]!);
    time >>= 5n;
  }
  return `${prefix}_${out.reverse().join('')}`;
}

/** The shape of an id with this prefix, for validators. */
export const idPattern = (prefix: IdPrefix): RegExp => new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`);

export const isId = (prefix: IdPrefix, s: unknown): s is string => typeof s === 'string' && idPattern(prefix).test(s);
