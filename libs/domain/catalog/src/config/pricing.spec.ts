import { builtin } from './config.fixtures';
import { withDefaults } from './config.rules';
import type { ConfigSections } from './config.types';
import { pricingSummary } from './pricing';

const body = (key: string, sections: ConfigSections) => withDefaults(builtin(key), 'x', { key, version: 1 }, sections);

describe('pricing summary', () => {
  it('caps the expected price at the bid cap and warns when the cap is below the typical range', () => {
    const { minMicros } = builtin('cs.resolve').typicalPrice;
    const cap = minMicros - 10_000;
    const s = pricingSummary(builtin('cs.resolve'), body('cs.resolve', { bidStrategy: { type: 'bid_cap', capMicros: cap }, budget: { amountMicros: 100_000_000, period: 'daily' } }));
    expect(s.ceilingMicros).toBe(cap);
    expect(s.estimatedVolume).toEqual({ min: Math.floor(100_000_000 / cap), max: Math.floor(100_000_000 / cap), period: 'daily' });
    expect(s.warnings.join()).toMatch(/below the typical price/);
  });

  it('adds the guarantee premium to the typical prices of a guarantee-backed type', () => {
    const def = builtin('legal.draft_nda');
    const s = pricingSummary(def, body('legal.draft_nda', { guarantee: { level: 'standard', maxPayoutMicros: null, claimWindowDays: def.claimWindow!.defaultDays }, bidStrategy: { type: 'highest_volume' }, budget: { amountMicros: 1_000_000_000, period: 'total' } }));
    expect(s.guaranteePremiumBps).toBe(1000);
    expect(s.estimatedVolume).toEqual({
      min: Math.floor(1_000_000_000 / Math.ceil(def.typicalPrice.maxMicros * 1.1)),
      max: Math.floor(1_000_000_000 / Math.ceil(def.typicalPrice.minMicros * 1.1)),
      period: 'total',
    });
    expect(s.ceilingMicros).toBeNull();
  });

  it('has no volume without a budget and warns when the budget buys nothing', () => {
    expect(pricingSummary(builtin('cs.resolve'), body('cs.resolve', {})).estimatedVolume).toBeNull();
    const tiny = pricingSummary(builtin('cs.resolve'), body('cs.resolve', { bidStrategy: { type: 'cost_per_result', goalMicros: 500_000 }, budget: { amountMicros: 1, period: 'daily' } }));
    expect(tiny.estimatedVolume).toMatchObject({ min: 0, max: 0 });
    expect(tiny.warnings.join()).toMatch(/does not cover one outcome/);
  });
});
