import { BudgetRefused, decideBudget, evolveBudget, initialBudgetState, type BudgetCommand, type BudgetState } from '@outcomes/domain-auction';
import fc from 'fast-check';
import { decideClaim, evolveClaim, initialClaimState, type ClaimCommand, type ClaimState } from './claim.decide';
import { balances, decideSettlement, evolveSettlement, initialSettlementState, linesOf, SettlementRefused, type SettlementCommand, type SettlementEvent, type SettlementState, type SettlementTerms } from './settlement.decide';

/**
 * The money path end to end, as pure deciders: awards reserve on one budget under a bid cap, some
 * outcomes escalate, completed ones settle through conversions, reopenings, windows, claims and
 * payouts, and the budget follows each settlement as the service makes it. Whatever the order:
 * every ledger event balances, no outcome is charged above the bid cap, the budget is never
 * overspent, an escalated outcome is never charged, and replaying the events gives the same balances.
 */
const now = new Date('2026-11-29T12:00:00Z');
const day = 86_400_000;
const CAP = 1_000_000;
const LIMIT = 5_000_000;

type Step =
  | { kind: 'award'; price: number; escalates: boolean; guaranteed: boolean }
  | { kind: 'conversion'; outcome: number; verdict: 'success' | 'failure' | 'partial'; share: number; late: boolean; id: number }
  | { kind: 'closeAttribution' | 'closeWindow'; outcome: number }
  | { kind: 'claim'; outcome: number; amount: number; decision: 'approved' | 'partially_approved' | 'denied' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('award' as const), price: fc.integer({ min: 0, max: CAP }), escalates: fc.boolean(), guaranteed: fc.boolean() }),
  fc.record({ kind: fc.constant('conversion' as const), outcome: fc.nat(12), verdict: fc.constantFrom('success' as const, 'failure' as const, 'partial' as const), share: fc.integer({ min: 0, max: 10_000 }), late: fc.boolean(), id: fc.nat(4) }),
  fc.record({ kind: fc.constantFrom('closeAttribution' as const, 'closeWindow' as const), outcome: fc.nat(12) }),
  fc.record({ kind: fc.constant('claim' as const), outcome: fc.nat(12), amount: fc.integer({ min: 1, max: 3 * CAP }), decision: fc.constantFrom('approved' as const, 'partially_approved' as const, 'denied' as const) }),
);

it('keeps the ledger balanced, charges within the cap and the budget, never for an escalation, and replays to the same balances', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), fc.integer({ min: 0, max: 3000 }), (steps, takeRateBps) => {
      let budget: BudgetState = initialBudgetState();
      const settlements: SettlementState[] = [];
      const escalated = new Set<number>();
      const ledger: SettlementEvent[] = [];
      let claims = 0;
      const budgetDo = (c: BudgetCommand) => {
        budget = decideBudget(c, budget).reduce(evolveBudget, budget);
      };
      const settle = (i: number, c: SettlementCommand) => {
        const s = settlements[i]!;
        let events: SettlementEvent[];
        try {
          events = decideSettlement(c, s);
        } catch (err) {
          if (err instanceof SettlementRefused) return;
          throw err;
        }
        ledger.push(...events);
        const after = events.reduce(evolveSettlement, s);
        settlements[i] = after;
        if (after.status === 'none') return;
        // The budget follows the settlement's state, as the service does.
        const r = `out_${i}:0`;
        if (after.status === 'charged' || after.status === 'refunded') budgetDo({ type: 'Settle', outcomeId: r, chargeMicros: after.chargedMicros, now });
        if (after.status === 'released') budgetDo({ type: 'Release', outcomeId: r, now });
        if (after.status === 'refunded') budgetDo({ type: 'Refund', outcomeId: r, now });
      };
      for (const st of steps) {
        if (st.kind === 'award') {
          const i = settlements.length;
          try {
            budgetDo({ type: 'Reserve', outcomeId: `out_${i}:0`, amountMicros: st.price, limitMicros: LIMIT, now });
          } catch (err) {
            if (!(err instanceof BudgetRefused)) throw err;
            settlements.push(initialSettlementState());
            escalated.add(i); // no budget: escalated, never settled
            continue;
          }
          settlements.push(initialSettlementState());
          if (st.escalates) {
            escalated.add(i);
            budgetDo({ type: 'Release', outcomeId: `out_${i}:0`, now });
            continue;
          }
          const terms: SettlementTerms = {
            outcomeId: `out_${i}`,
            buyerId: 'buy_1',
            engineId: `eng_${i % 3}`,
            configId: 'cfg_1',
            outcomeType: st.guaranteed ? 'code.review' : 'cs.resolve',
            model: st.guaranteed ? 'guarantee_backed' : 'capi_verified',
            priceMicros: st.price,
            budgetId: 'b',
            reservationId: `out_${i}:0`,
            takeRateBps,
            deliveredAt: now.toISOString(),
            attributionEndsAt: st.guaranteed ? null : new Date(now.getTime() + 7 * day).toISOString(),
            defaultVerdict: 'success',
            claimWindowEndsAt: st.guaranteed ? new Date(now.getTime() + 30 * day).toISOString() : null,
            coverageMicros: st.guaranteed ? st.price * 2 : 0,
          };
          settle(i, { type: 'Open', terms, now });
        } else {
          const i = st.outcome;
          if (i >= settlements.length || settlements[i]!.status === 'none') continue;
          if (st.kind === 'conversion') settle(i, { type: 'ApplyConversion', eventId: `ev-${st.id}`, verdict: st.verdict, partialShareBps: st.share, eventTime: new Date(now.getTime() + (st.late ? 8 : 1) * day), now });
          else if (st.kind === 'closeAttribution') settle(i, { type: 'CloseAttribution', now });
          else if (st.kind === 'closeWindow') settle(i, { type: 'CloseClaimWindow', now });
          else if (st.kind === 'claim') {
            // A claim is filed against the settlement's basis, decided, and paid through the settlement.
            const s = settlements[i]!;
            if (s.terms.model !== 'guarantee_backed') continue;
            const claimId = `clm_${claims++}`;
            let claim: ClaimState = initialClaimState();
            const run = (c: ClaimCommand) => {
              claim = decideClaim(c, claim).reduce(evolveClaim, claim);
            };
            const basis = { outcomeId: s.terms.outcomeId, buyerId: 'buy_1', engineId: s.terms.engineId, outcomeType: 'code.review', claimWindowEndsAt: s.claimWindowOpen ? s.terms.claimWindowEndsAt! : now.toISOString(), coverageRemainingMicros: s.claimWindowOpen ? s.terms.coverageMicros - s.paidOutMicros : 0, coveredKinds: [], excludedKinds: [] };
            try {
              run({ type: 'FileClaim', claimId, number: claims, basis, claimType: 'outcome_failed', description: 'x', requestedMicros: st.amount, by: 'buyer', now });
              const approved = st.decision === 'approved' ? st.amount : st.decision === 'partially_approved' ? Math.max(1, Math.floor(st.amount / 2)) : 0;
              if (st.decision === 'partially_approved' && approved >= st.amount) continue;
              run({ type: 'Decide', decision: st.decision, approvedMicros: approved, findings: 'reviewed', by: 'operator', now });
              if (approved > 0) {
                settle(i, { type: 'PayClaim', claimId, amountMicros: approved, now });
                run({ type: 'MarkPaid', amountMicros: approved, now });
              }
            } catch (err) {
              if (!(err instanceof Error && err.name === 'ClaimRefused')) throw err;
            }
          }
        }
      }
      // Every ledger event balances.
      for (const e of ledger) {
        const lines = linesOf(e);
        const debit = lines.filter((l) => l.side === 'debit').reduce((a, l) => a + l.micros, 0);
        if (debit !== lines.filter((l) => l.side === 'credit').reduce((a, l) => a + l.micros, 0)) return false;
      }
      // No escalated outcome is charged; none is charged above the cap, net of refunds never below zero.
      for (const [i, s] of settlements.entries()) {
        const charged = ledger.filter((e) => e.type === 'OutcomeCharged' && e.data.outcomeId === `out_${i}`).reduce((a, e) => a + (e.type === 'OutcomeCharged' ? e.data.amountMicros : 0), 0);
        if (escalated.has(i) && (charged > 0 || s.status !== 'none')) return false;
        if (charged > CAP) return false;
      }
      // The budget is never overspent, and spends what the ledger charged net of refunds.
      if (budget.spentMicros + budget.reservedMicros > LIMIT) return false;
      const net = ledger.reduce((a, e) => a + (e.type === 'OutcomeCharged' ? e.data.amountMicros : e.type === 'OutcomeRefunded' ? -e.data.amountMicros : 0), 0);
      if (budget.spentMicros !== net) return false;
      // Replaying the ledger's events gives the same balances, and they sum to zero.
      const replayed = balances([...ledger]);
      return [...replayed.values()].reduce((a, b) => a + b, 0) === 0 && JSON.stringify([...replayed]) === JSON.stringify([...balances(ledger)]);
    }),
    { numRuns: 400 },
  );
});
