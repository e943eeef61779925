import { derivedId, idPattern, isId, newId } from './ids';

describe('ids', () => {
  it('have the prefix and 26 Crockford characters, and sort by creation time', () => {
    const a = newId('cfg', 1_700_000_000_000);
    const b = newId('cfg', 1_700_000_000_001);
    const c = newId('cfg', 1_800_000_000_000);
    expect(a).toMatch(/^cfg_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect([c, a, b].sort()).toEqual([a, b, c]);
    expect(isId('cfg', a)).toBe(true);
    expect(isId('buy', a)).toBe(false);
    expect(isId('cfg', 'cfg_ILOU')).toBe(false);
  });

  it('carry their creation time in the first 10 characters', () => {
    const decode = (id: string) => [...id.slice(4, 14)].reduce((n, ch) => n * 32 + '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(ch), 0);
    for (const t of [0, 1, 31, 32, 1_700_000_000_123, 2 ** 48 - 1]) expect(decode(newId('out', t))).toBe(t);
  });

  it('differ within one millisecond', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('key', 1)));
    expect(ids.size).toBe(1000);
  });

  it('derives the same valid id from the same seed, and different ones from different seeds', () => {
    const a = derivedId('clm', 'buy_1:zd-1');
    expect(a).toMatch(idPattern('clm'));
    expect(derivedId('clm', 'buy_1:zd-1')).toBe(a);
    expect(derivedId('clm', 'buy_1:zd-2')).not.toBe(a);
  });
});
