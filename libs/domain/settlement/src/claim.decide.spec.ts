import { deciderSpec } from '@outcomes/testing';
import { claimDisplayId, decideClaim, evolveClaim, initialClaimState, type ClaimBasis, type ClaimCommand, type ClaimEvent } from './claim.decide';

const spec = deciderSpec({ decide: decideClaim, evolve: evolveClaim, initialState: initialClaimState });
const now = new Date('2026-11-29T12:00:00Z');
const basis: ClaimBasis = {
  outcomeId: 'out_1',
  buyerId: 'buy_1',
  engineId: 'eng_1',
  outcomeType: 'code.review',
  claimWindowEndsAt: '2026-12-29T12:00:00.000Z',
  coverageRemainingMicros: 20_000_000,
  coveredKinds: ['missed_critical_bug'],
  excludedKinds: [{ kind: 'requirements_change', description: 'requirements changed after delivery' }],
};
const file = (over: Partial<Extract<ClaimCommand, { type: 'FileClaim' }>> = {}): ClaimCommand => ({
  type: 'FileClaim',
  claimId: 'clm_1',
  number: 123,
  basis,
  claimType: 'missed_critical_bug',
  description: 'the review missed a SQL injection',
  requestedMicros: 5_000_000,
  by: 'key_1',
  now,
  ...over,
});
const after = (...commands: ClaimCommand[]) => commands.reduce<ClaimEvent[]>((h, c) => [...h, ...spec.given(h).when(c).events()], []);

describe('claim', () => {
  it('is filed within the window for a covered kind and an amount within the coverage, and shows as CLM-000123', () => {
    expect(after(file()).map((e) => e.type)).toEqual(['ClaimFiled']);
    expect(claimDisplayId(123)).toBe('CLM-000123');
    spec.given([]).when(file({ now: new Date('2026-12-30T00:00:00Z') })).thenRejects({ code: 'RULE_VIOLATION', fields: [{ field: 'outcome_id' }] });
    spec.given([]).when(file({ claimType: 'requirements_change' })).thenRejects({ code: 'RULE_VIOLATION', fields: [{ field: 'claim_type', reason: 'the guarantee excludes requirements_change: requirements changed after delivery' }] });
    spec.given([]).when(file({ claimType: 'bad_vibes' })).thenRejects({ fields: [{ field: 'claim_type' }] });
    spec.given([]).when(file({ requestedMicros: 20_000_001 })).thenRejects({ fields: [{ field: 'requested_amount' }] });
    expect(after(file({ claimType: 'sla_breach' }))[0]!.type).toBe('ClaimFiled');
  });

  it('takes evidence from both sides before the decision, is decided with findings, then paid', () => {
    const h = after(
      file(),
      { type: 'AddEvidence', item: { evidenceId: 'evd_1', by: 'buyer', kind: 'document', description: 'the PR', file: null }, now },
      { type: 'AddEvidence', item: { evidenceId: 'evd_2', by: 'engine', kind: 'log', description: 'our review log', file: null }, now },
      { type: 'Decide', decision: 'partially_approved', approvedMicros: 3_000_000, findings: 'missed, but the damage was smaller', by: 'operator', now },
      { type: 'MarkPaid', amountMicros: 3_000_000, now },
    );
    expect(h.map((e) => e.type)).toEqual(['ClaimFiled', 'ClaimEvidenceAdded', 'ClaimEvidenceAdded', 'ClaimReviewStarted', 'ClaimDecided', 'ClaimPaid']);
    expect(spec.given(h).state).toMatchObject({ status: 'paid', paidMicros: 3_000_000, evidence: [{ by: 'buyer' }, { by: 'engine' }] });
    spec.given(h).when({ type: 'AddEvidence', item: { evidenceId: 'evd_3', by: 'buyer', kind: 'x', description: 'late', file: null }, now }).thenRejects({ code: 'RULE_VIOLATION' });
  });

  it('checks the decided amount against the decision, and decides once', () => {
    const filed = after(file());
    const decide = (decision: 'approved' | 'partially_approved' | 'denied', approvedMicros: number, findings = 'looked at it'): ClaimCommand => ({ type: 'Decide', decision, approvedMicros, findings, by: 'operator', now });
    spec.given(filed).when(decide('approved', 1)).thenRejects({ fields: [{ field: 'approved_amount' }] });
    spec.given(filed).when(decide('partially_approved', 5_000_000)).thenRejects({ fields: [{ field: 'approved_amount' }] });
    spec.given(filed).when(decide('denied', 0, ' ')).thenRejects({ fields: [{ field: 'findings' }] });
    const denied = after(file(), decide('denied', 0, 'pre-existing bug'));
    expect(spec.given(denied).state).toMatchObject({ status: 'denied', decision: { findings: 'pre-existing bug' } });
    spec.given(denied).when(decide('denied', 0, 'pre-existing bug')).then([]);
    spec.given(denied).when(decide('approved', 5_000_000)).thenRejects({ code: 'RULE_VIOLATION' });
    spec.given(denied).when({ type: 'MarkPaid', amountMicros: 0, now }).thenRejects({ code: 'RULE_VIOLATION' });
  });

  it('may be withdrawn by the buyer before the decision only', () => {
    expect(after(file(), { type: 'Withdraw', reason: 'found it was our config', now }).at(-1)!.type).toBe('ClaimWithdrawn');
    const approved = after(file(), { type: 'Decide', decision: 'approved', approvedMicros: 5_000_000, findings: 'clear miss', by: 'operator', now });
    spec.given(approved).when({ type: 'Withdraw', reason: null, now }).thenRejects({ code: 'RULE_VIOLATION' });
  });
});
