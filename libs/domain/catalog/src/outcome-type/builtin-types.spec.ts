import { BUILTIN_OUTCOME_TYPES } from './builtin-types';
import { validateDefinition } from './outcome-type.rules';

const byKey = Object.fromEntries(BUILTIN_OUTCOME_TYPES.map((t) => [t.key, t.definition]));

describe('the platform taxonomy', () => {
  it('has the fourteen types of the protocol, in order', () => {
    expect(BUILTIN_OUTCOME_TYPES.map((t) => t.key)).toEqual([
      'cs.resolve',
      'code.review',
      'code.fix',
      'code.generate',
      'legal.review',
      'legal.summarize',
      'legal.compare',
      'legal.draft_nda',
      'legal.draft_msa',
      'legal.draft_dpa',
      'medical.scribe',
      'medical.code',
      'medical.summarize',
      'medical.triage',
    ]);
  });

  it.each(BUILTIN_OUTCOME_TYPES.map((t) => [t.key, t.definition] as const))('%s keeps every catalog rule', (key, def) => {
    expect(validateDefinition(key, def)).toEqual([]);
    expect(Number.isSafeInteger(def.typicalPrice.minMicros) && Number.isSafeInteger(def.typicalPrice.maxMicros)).toBe(true);
  });

  it('verifies customer service by conversions and everything else by guarantee', () => {
    expect(byKey['cs.resolve']!.verification).toBe('capi_verified');
    expect(BUILTIN_OUTCOME_TYPES.filter((t) => t.key !== 'cs.resolve').every((t) => t.definition.verification === 'guarantee_backed')).toBe(true);
  });

  it('has claim windows of 30 days for code and legal reading, 2 years for drafts, 90 days for medical', () => {
    const defaults = Object.fromEntries(BUILTIN_OUTCOME_TYPES.map((t) => [t.key, t.definition.claimWindow?.defaultDays ?? null]));
    expect(defaults).toEqual({
      'cs.resolve': null,
      'code.review': 30,
      'code.fix': 30,
      'code.generate': 30,
      'legal.review': 30,
      'legal.summarize': 30,
      'legal.compare': 30,
      'legal.draft_nda': 730,
      'legal.draft_msa': 730,
      'legal.draft_dpa': 730,
      'medical.scribe': 90,
      'medical.code': 90,
      'medical.summarize': 90,
      'medical.triage': 90,
    });
  });

  it('counts a ticket successful when neither reopened nor escalated within 7 days', () => {
    expect(byKey['cs.resolve']!.attribution).toMatchObject({ windowDays: 7, defaultOutcome: 'success' });
    expect(byKey['cs.resolve']!.typicalPrice).toEqual({ minMicros: 150_000, maxMicros: 750_000 });
  });

  it('covers and excludes the defects the protocol names for medical scribing', () => {
    const scribe = byKey['medical.scribe']!.coverage;
    expect(scribe.covered.map((d) => d.kind)).toEqual(['factual_documentation_error', 'critical_omission', 'misattribution', 'coding_error']);
    expect(scribe.excluded.map((d) => d.kind)).toEqual(expect.arrayContaining(['clinical_judgment_error', 'malpractice_claim']));
  });
});
