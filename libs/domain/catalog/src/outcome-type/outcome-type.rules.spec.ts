import { BUILTIN_OUTCOME_TYPES } from './builtin-types';
import type { OutcomeTypeDefinition } from './outcome-type.events';
import { canonicalJson, validateDefinition } from './outcome-type.rules';

const review = BUILTIN_OUTCOME_TYPES.find((t) => t.key === 'code.review')!.definition;
const fields = (def: OutcomeTypeDefinition, key = 'acme.code.review') => validateDefinition(key, def).map((p) => p.field);

describe('outcome type rules', () => {
  it('accepts a valid definition', () => {
    expect(validateDefinition('acme.code.review', review)).toEqual([]);
  });

  it.each<[string, OutcomeTypeDefinition, string, string]>([
    ['a bad key', review, 'key', 'Acme.Code'],
    // Every row has all four values: a test function with more parameters than its row gets jest's `done` callback.
    ['a blank name', { ...review, name: ' ' }, 'name', 'acme.code.review'],
    ['an unknown verification', { ...review, verification: 'vibes' as never }, 'verification', 'acme.code.review'],
    ['no metrics', { ...review, successCriteria: { ...review.successCriteria, metrics: [] } }, 'success_criteria.metrics', 'acme.code.review'],
    ['an operator the metric type forbids', { ...review, successCriteria: { ...review.successCriteria, metrics: [{ name: 'ok', type: 'boolean', description: '', operators: ['gt'] }] } }, 'success_criteria.metrics[0].operators', 'acme.code.review'],
    ['a duplicate metric', { ...review, successCriteria: { ...review.successCriteria, metrics: [review.successCriteria.metrics[0]!, review.successCriteria.metrics[0]!] } }, 'success_criteria.metrics[1].name', 'acme.code.review'],
    ['a guarantee without a claim window', { ...review, claimWindow: null }, 'claim_window', 'acme.code.review'],
    ['a default outside the bounds', { ...review, claimWindow: { minDays: 7, maxDays: 30, defaultDays: 31 } }, 'claim_window.default_days', 'acme.code.review'],
    ['a price range upside down', { ...review, typicalPrice: { minMicros: 5_000_000, maxMicros: 1_000_000 } }, 'typical_price.min', 'acme.code.review'],
    ['a kind both covered and excluded', { ...review, coverage: { covered: review.coverage.covered, excluded: [review.coverage.covered[0]!] } }, 'coverage.excluded', 'acme.code.review'],
    ['a guarantee covering nothing', { ...review, coverage: { covered: [], excluded: [] } }, 'coverage.covered', 'acme.code.review'],
    ['a zero delivery time', { ...review, defaultDeliverySeconds: 0 }, 'default_delivery_seconds', 'acme.code.review'],
    ['an attribution window over a year', { ...review, attribution: { ...review.attribution, windowDays: 400 } }, 'attribution.window_days', 'acme.code.review'],
  ])('names the field for %s', (_what, def, field, key) => {
    expect(fields(def, key)).toContain(field);
  });

  it('reports every problem at once', () => {
    expect(fields({ ...review, name: '', defaultDeliverySeconds: -1, claimWindow: null })).toEqual(['name', 'claim_window', 'default_delivery_seconds']);
  });

  it('compares definitions whatever the order of their keys', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 3 } })).toBe(canonicalJson({ a: { c: 3, d: [2, { y: 2, z: 1 }] }, b: 1 }));
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });
});
