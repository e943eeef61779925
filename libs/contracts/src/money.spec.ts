import { formatSignedUsd, formatUsd, isPositiveUsd, parseUsd } from './money';

describe('money', () => {
  it.each([
    ['0.42', 420_000],
    ['5', 5_000_000],
    ['1.234567', 1_234_567],
    ['0.000001', 1],
    ['1000000000', 1_000_000_000_000_000],
  ])('parses %s as %d micro-dollars', (s, micros) => {
    expect(parseUsd(s)).toBe(micros);
  });

  it.each(['0.1234567', '-1', '1e3', ' 1', '1.', '.5', '01', '', '1000000000.01', 'NaN'])('refuses %p', (s) => {
    expect(() => parseUsd(s)).toThrow(RangeError);
  });

  it.each([
    [420_000, '0.42'],
    [5_000_000, '5.00'],
    [1_234_567, '1.234567'],
    [1_000_010, '1.00001'],
    [0, '0.00'],
  ])('formats %d micro-dollars as %s', (micros, s) => {
    expect(formatUsd(micros)).toBe(s);
    expect(parseUsd(formatUsd(micros))).toBe(micros);
  });

  it('refuses to format what is not a count of micro-dollars', () => {
    expect(() => formatUsd(0.5)).toThrow(RangeError);
    expect(() => formatUsd(-1)).toThrow(RangeError);
  });

  it('tells positive amounts from zero and junk', () => {
    expect([isPositiveUsd('0.01'), isPositiveUsd('0'), isPositiveUsd('0.000000'), isPositiveUsd(1)]).toEqual([true, false, false, false]);
  });

  it('formats signed balances', () => {
    expect(formatSignedUsd(-420_000)).toBe('-0.42');
    expect(formatSignedUsd(1_500_000)).toBe('1.50');
    expect(formatSignedUsd(0)).toBe('0.00');
  });
});
