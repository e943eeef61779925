import { deciderSpec } from '@outcomes/testing';
import fc from 'fast-check';
import {
  balances,
  decideSettlement,
  evolveSettlement,
  initialSettlementState,
  linesOf,
  partialShareBps,
  shareOf,
  SettlementRefused,
  type SettlementCommand,
  type SettlementEvent,
  type SettlementState,
  type SettlementTerms,
} from './settlement.decide';

const spec = deciderSpec({ decide: decideSettlement, evolve: evolveSettlement, initialState: initialSettlementState });
const now = new Date('2026-11-29T12:00:00Z');
const day = 86_400_000;
const capi: SettlementTerms = {
  outcomeId: 'out_1',
  buyerId: 'buy_1',
  engineId: 'eng_1',
  configId: 'cfg_1',
  outcomeType: 'cs.resolve',
  model: 'capi_verified',
  priceMicros: 450_000,
  budgetId: 'cfg_1.2026-11',
  reservationId: 'out_1:0',
  takeRateBps: 1000,
  deliveredAt: now.toISOString(),
  attributionEndsAt: new Date(now.getTime() + 7 * day).toISOString(),
  defaultVerdict: 'success',
  claimWindowEndsAt: null,
  coverageMicros: 0,
};
const guaranteed: SettlementTerms = { ...capi, outcomeType: 'code.review', model: 'guarantee_backed', attributionEndsAt: null, claimWindowEndsAt: new Date(now.getTime() + 30 * day).toISOString(), coverageMicros: 4_500_000 };
const open = (terms: SettlementTerms): SettlementCommand => ({ type: 'Open', terms, now });
const convert = (eventId: string, verdict: 'success' | 'failure' | 'partial', eventTime = now): SettlementCommand => ({ type: 'ApplyConversion', eventId, verdict, eventTime, now });
const after = (...commands: SettlementCommand[]) => commands.reduce<SettlementEvent[]>((h, c) => [...h, ...spec.given(h).when(c).events()], []);

describe('settlement', () => {
  it('charges a cAPI-verified outcome on a verified success: the buyer pays, the engine is owed it less the fee', () => {
    const h = after(open(capi), convert('zd-1', 'success'));
    expect(h.map((e) => e.type)).toEqual(['SettlementOpened', 'OutcomeCharged']);
    expect(Object.fromEntries(balances(h))).toEqual({ 'buyer:buy_1': -450_000, 'engine:eng_1': 405_000, 'platform:fees': 45_000 });
    expect(h[1]).toMatchObject({ data: { cause: { kind: 'conversion', ref: 'zd-1' }, feeMicros: 45_000 } });
  });

  it('releases on a failure, and refunds a success contradicted within the window', () => {
    expect(after(open(capi), convert('f', 'failure')).map((e) => e.type)).toEqual(['SettlementOpened', 'ChargeReleased']);
    const reopened = after(open(capi), convert('s', 'success'), convert('reopened', 'failure'));
    expect(reopened.map((e) => e.type)).toEqual(['SettlementOpened', 'OutcomeCharged', 'OutcomeRefunded']);
    expect([...balances(reopened).values()].every((v) => v === 0)).toBe(true);
    // A failure observed after the window moves nothing.
    const late = after(open(capi), convert('s', 'success'), convert('late', 'failure', new Date(now.getTime() + 8 * day)));
    expect(late.at(-1)).toMatchObject({ type: 'ConversionNoted', data: { reason: 'the conversion happened after the attribution window' } });
  });

  it('charges a partial success its share of the price, releases the rest, and refunds that share if a failure follows', () => {
    const partial = (eventId: string, partialShareBps: number): SettlementCommand => ({ type: 'ApplyConversion', eventId, verdict: 'partial', partialShareBps, eventTime: now, now });
    const h = after(open(capi), partial('p', 4_000));
    expect(h.at(-1)).toMatchObject({ type: 'OutcomeCharged', data: { amountMicros: 180_000, feeMicros: 18_000, cause: { kind: 'conversion', ref: 'p' } } });
    expect(spec.given(h).state).toMatchObject({ status: 'charged', chargedMicros: 180_000 });
    const reopened = after(open(capi), partial('p', 4_000), convert('f', 'failure'));
    expect(reopened.at(-1)).toMatchObject({ type: 'OutcomeRefunded', data: { amountMicros: 180_000 } });
    expect([...balances(reopened).values()].every((v) => v === 0)).toBe(true);
    // Nothing earned: released; a full share: the whole price.
    expect(after(open(capi), partial('p0', 0)).at(-1)!.type).toBe('ChargeReleased');
    expect(after(open(capi), partial('p1', 10_000)).at(-1)).toMatchObject({ data: { amountMicros: 450_000 } });
  });

  it('takes a partial success’s share from the buyer’s score, else from the criteria met', () => {
    expect(partialShareBps({ score: 0.735, successCriteriaResults: { a: false } })).toBe(7_350);
    expect(partialShareBps({ score: null, successCriteriaResults: { resolved: true, no_reopen_24h: false, csat: true, note: 'x' } })).toBe(6_666);
    expect(partialShareBps({ score: null, successCriteriaResults: null })).toBe(0);
    expect(shareOf(Number.MAX_SAFE_INTEGER, 10_000)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('applies the type’s default when the window closes without a conversion, and only then', () => {
    expect(after(open(capi), { type: 'CloseAttribution', now }).at(-1)).toMatchObject({ type: 'OutcomeCharged', data: { cause: { kind: 'attribution_default' } } });
    expect(after(open({ ...capi, defaultVerdict: 'failure' }), { type: 'CloseAttribution', now }).at(-1)!.type).toBe('ChargeReleased');
    spec.given(after(open(capi), convert('f', 'failure'))).when({ type: 'CloseAttribution', now }).then([]);
  });

  it('charges a guarantee-backed outcome on delivery, pays claims within the coverage, and closes the window once', () => {
    const h = after(open(guaranteed), { type: 'PayClaim', claimId: 'clm_1', amountMicros: 1_000_000, now });
    expect(h.map((e) => e.type)).toEqual(['SettlementOpened', 'OutcomeCharged', 'ClaimPaidOut']);
    expect(balances(h).get('buyer:buy_1')).toBe(-450_000 + 1_000_000);
    spec.given(h).when({ type: 'PayClaim', claimId: 'clm_2', amountMicros: 3_500_001, now }).thenRejects({ code: 'RULE_VIOLATION' });
    const closed = [...h, ...spec.given(h).when({ type: 'CloseClaimWindow', now }).events()];
    expect(closed.at(-1)).toMatchObject({ type: 'ClaimWindowClosed', data: { reserveReleasedMicros: 3_500_000 } });
    spec.given(closed).when({ type: 'CloseClaimWindow', now }).then([]);
    spec.given(closed).when({ type: 'PayClaim', claimId: 'clm_3', amountMicros: 1, now }).thenRejects({ code: 'RULE_VIOLATION' });
    expect(after(open(guaranteed), convert('x', 'failure')).at(-1)!.type).toBe('ConversionNoted');
  });

  it('bills an escalated outcome in part, once, with no windows, and no conversion changes it', () => {
    const h = after({ type: 'OpenPartial', terms: { ...guaranteed, priceMicros: 100_000 }, now }, convert('s', 'success'));
    expect(h.map((e) => e.type)).toEqual(['SettlementOpened', 'OutcomeCharged', 'ConversionNoted']);
    expect(h[1]).toMatchObject({ data: { amountMicros: 100_000, cause: { kind: 'partial_billing' } } });
    expect(spec.given(h).state).toMatchObject({ status: 'charged', claimWindowOpen: false });
    spec.given(h).when({ type: 'OpenPartial', terms: guaranteed, now }).then([]);
  });

  it('applies a conversion once, however often it is delivered', () => {
    const h = after(open(capi), convert('zd-1', 'success'));
    spec.given(h).when(convert('zd-1', 'success')).then([]);
    spec.given([]).when(convert('zd-1', 'success')).thenRejects({ code: 'NOT_FOUND' });
  });

  it('over any sequence of conversions, windows and claims: balanced entries, never more than the price, and replay gives the same state', () => {
    const command = fc.oneof(
      fc.record({ type: fc.constant('ApplyConversion' as const), eventId: fc.integer({ min: 0, max: 6 }).map((n) => `ev-${n}`), verdict: fc.constantFrom('success' as const, 'failure' as const, 'partial' as const), late: fc.boolean() }),
      fc.constant({ type: 'CloseAttribution' as const }),
      fc.constant({ type: 'CloseClaimWindow' as const }),
      fc.record({ type: fc.constant('PayClaim' as const), claimId: fc.integer({ min: 0, max: 5 }).map((n) => `clm_${n}`), amountMicros: fc.integer({ min: 1, max: 3_000_000 }) }),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 0, max: 5_000_000 }), fc.integer({ min: 0, max: 3000 }), fc.array(command, { maxLength: 25 }), (isCapi, price, bps, commands) => {
        const terms = { ...(isCapi ? capi : guaranteed), priceMicros: price, takeRateBps: bps };
        let state: SettlementState = initialSettlementState();
        const history: SettlementEvent[] = [];
        const apply = (c: SettlementCommand) => {
          try {
            const events = decideSettlement(c, state);
            history.push(...events);
            state = events.reduce(evolveSettlement, state);
          } catch (err) {
            if (!(err instanceof SettlementRefused)) throw err;
          }
        };
        apply({ type: 'Open', terms, now });
        for (const c of commands) {
          if (c.type === 'ApplyConversion') apply({ type: 'ApplyConversion', eventId: c.eventId, verdict: c.verdict, eventTime: new Date(now.getTime() + (c.late ? 8 : 1) * day), now });
          else if (c.type === 'PayClaim') apply({ type: 'PayClaim', claimId: c.claimId, amountMicros: c.amountMicros, now });
          else apply({ type: c.type, now });
        }
        for (const e of history) {
          const lines = linesOf(e);
          const debits = lines.filter((l) => l.side === 'debit').reduce((a, l) => a + l.micros, 0);
          const credits = lines.filter((l) => l.side === 'credit').reduce((a, l) => a + l.micros, 0);
          if (debits !== credits || lines.some((l) => !Number.isSafeInteger(l.micros) || l.micros < 0)) return false;
        }
        // Charged at most the price, net of refunds; claims pay out at most the coverage.
        const charged = history.filter((e) => e.type === 'OutcomeCharged').reduce((a, e) => a + (e.type === 'OutcomeCharged' ? e.data.amountMicros : 0), 0);
        const refunded = history.filter((e) => e.type === 'OutcomeRefunded').reduce((a, e) => a + (e.type === 'OutcomeRefunded' ? e.data.amountMicros : 0), 0);
        const paid = history.filter((e) => e.type === 'ClaimPaidOut').reduce((a, e) => a + (e.type === 'ClaimPaidOut' ? e.data.amountMicros : 0), 0);
        if (charged > price || charged - refunded < 0 || paid > terms.coverageMicros) return false;
        // Replaying the events rebuilds the same state.
        return JSON.stringify(history.reduce(evolveSettlement, initialSettlementState())) === JSON.stringify(state);
      }),
      { numRuns: 500 },
    );
  });
});
