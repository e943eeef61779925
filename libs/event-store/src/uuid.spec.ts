import { isUuid, uuidv7 } from './uuid';

describe('uuidv7', () => {
  it('gives distinct version-7 ids over many refills of its random bytes, led by the time given', () => {
    const now = Date.UTC(2026, 11, 5, 12, 0, 0, 123);
    const ids = Array.from({ length: 5_000 }, () => uuidv7(now));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(isUuid(id)).toBe(true);
      expect(id[14]).toBe('7');
      expect('89ab').toContain(id[19]);
      expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
    }
    // The random part is not a counter: ids of one millisecond do not share their last bytes.
    expect(new Set(ids.map((id) => id.slice(-4))).size).toBeGreaterThan(4_000);
  });

  it('sorts by time', () => {
    expect(uuidv7(1_000) < uuidv7(2_000)).toBe(true);
  });
});
