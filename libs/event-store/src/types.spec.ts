import { categoryOf, compareCheckpoints, parseCheckpoint, serializeCheckpoint } from './types';
import { isUuid, uuidv7 } from './uuid';

describe('checkpoints', () => {
  it('order by transaction first, then position', () => {
    expect(compareCheckpoints({ transactionId: 5n, position: 90n }, { transactionId: 6n, position: 1n })).toBe(-1);
    expect(compareCheckpoints({ transactionId: 6n, position: 2n }, { transactionId: 6n, position: 1n })).toBe(1);
    expect(compareCheckpoints({ transactionId: 6n, position: 2n }, { transactionId: 6n, position: 2n })).toBe(0);
  });

  it('round-trip through their string form and refuse anything else', () => {
    const c = { transactionId: 12345678901234n, position: 42n };
    expect(parseCheckpoint(serializeCheckpoint(c))).toEqual(c);
    expect(() => parseCheckpoint('12:x')).toThrow(/not a checkpoint/);
  });
});

describe('stream ids', () => {
  it('take the category from before the first dash', () => {
    expect(categoryOf('outcome-out_8f3k')).toBe('outcome');
    expect(categoryOf('ledger-buy_1-2026')).toBe('ledger');
    expect(categoryOf('standalone')).toBe('standalone');
  });
});

describe('uuidv7', () => {
  it('is a version 7, variant 1 UUID whose first 48 bits are the time', () => {
    const id = uuidv7(0x0189_abcd_ef01);
    expect(isUuid(id)).toBe(true);
    expect(id.startsWith('0189abcd-ef01-7')).toBe(true);
    expect('89ab').toContain(id[19]!);
  });

  it('sorts by creation time across milliseconds', () => {
    const ids = [uuidv7(1000), uuidv7(2000), uuidv7(3000)];
    expect([...ids].sort()).toEqual(ids);
  });
});
