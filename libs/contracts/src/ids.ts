import { createHash, randomBytes } from 'node:crypto';

export type IdPrefix = 'buy' | 'key' | 'cfg' | 'out' | 'sess' | 'eng' | 'clm' | 'evt';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Random bytes drawn 4 KiB at a time: one call to the system per 256 ids rather than one each. */
let entropy = Buffer.alloc(0);
let used = 0;

/**
 * `<prefix>_` and 26 Crockford base-32 characters of a 48-bit millisecond time and 80 random bits:
 * ids sort by creation time, so an id is also a keyset-pagination cursor.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  if (used + 16 > entropy.length) {
    entropy = randomBytes(4096);
    used = 0;
  }
  let id = '';
  // The time, most significant character first (a double holds 48 bits exactly).
  for (let i = 9, t = now; i >= 0; i--, t = Math.floor(t / 32)) id = CROCKFORD[t % 32]! + id;
  // 16 characters of 5 random bits each, from bytes no other id gets (32 divides 256: uniform).
  for (let i = 0; i < 16; i++) id += CROCKFORD[entropy[used++]! & 31]!;
  return `${prefix}_${id}`;
}

/** The shape of an id with this prefix, for validators. */
/** The same id every time for the same seed (a buyer's event id, say): a redelivered event names the same thing. */
export function derivedId(prefix: IdPrefix, seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  let n = BigInt(`0x${digest.subarray(0, 17).toString('hex')}`);
  const out: string[] = [];
  for (let i = 0; i < 26; i++) {
    out.push(CROCKFORD[Number(n & 31n)]!);
    n >>= 5n;
  }
  // The first character carries at most 3 bits in a ULID: keep it below 8.
  out[25] = CROCKFORD[Number(BigInt(CROCKFORD.indexOf(out[25]!)) & 7n)]!;
  return `${prefix}_${out.reverse().join('')}`;
}

export const idPattern = (prefix: IdPrefix): RegExp => new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`);

export const isId = (prefix: IdPrefix, s: unknown): s is string => typeof s === 'string' && idPattern(prefix).test(s);
