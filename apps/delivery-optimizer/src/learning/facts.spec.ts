import type { RecordedEvent } from '@outcomes/event-store';
import { FactMapper } from './facts';

let position = 0n;
const event = (streamId: string, type: string, data: Record<string, unknown>): RecordedEvent => ({
  id: `00000000-0000-7000-8000-${String(++position).padStart(12, '0')}`,
  streamId,
  category: streamId.slice(0, streamId.indexOf('-')),
  version: 1n,
  position,
  transactionId: position,
  type,
  data,
  metadata: {},
  recordedAt: new Date('2026-11-29T10:00:00Z'),
});

const AT = '2026-11-29T10:00:00.000Z';
const T = Date.parse(AT);

describe('facts from recorded events', () => {
  const m = new FactMapper();

  it('reads an outcome’s life: request, auction (lowest bid, pricing), award, and the engine’s last word', () => {
    const pricing = { strategy: 'bid_cap', ceilingMicros: 900_000, goal: null, probabilities: { eng_a: 0.8 }, explored: [] };
    expect(m.facts(event('outcome-out_1', 'OutcomeRequested', { outcomeId: 'out_1', buyerId: 'buy_1', configId: 'cfg_1', outcomeType: 'cs.resolve', at: AT }))).toEqual([
      { kind: 'requested', outcomeId: 'out_1', buyerId: 'buy_1', configId: 'cfg_1', outcomeType: 'cs.resolve', at: T },
    ]);
    expect(m.facts(event('outcome-out_1', 'AuctionClosed', { outcomeId: 'out_1', bids: [{ engineId: 'eng_a', priceMicros: 500 }, { engineId: 'eng_b', priceMicros: 400 }], losses: [], pricing, at: AT }))).toEqual([
      { kind: 'auctioned', outcomeId: 'out_1', lowestBidMicros: 400, pricing, at: T },
    ]);
    expect(m.facts(event('outcome-out_1', 'OutcomeAwarded', { outcomeId: 'out_1', engineId: 'eng_a', clearingPriceMicros: 450, budgetId: 'cfg_1.2026-11', at: AT }))).toEqual([
      { kind: 'awarded', outcomeId: 'out_1', engineId: 'eng_a', priceMicros: 450, budgetId: 'cfg_1.2026-11', at: T },
    ]);
    expect(m.facts(event('outcome-out_1', 'ExecutionTimedOut', { outcomeId: 'out_1', engineId: 'eng_a', at: AT }))[0]).toMatchObject({ kind: 'ended', result: 'timed_out', engineId: 'eng_a' });
    expect(m.facts(event('outcome-out_1', 'OutcomeEscalated', { outcomeId: 'out_1', engineId: 'eng_a', trigger: 'confidence_threshold', at: AT }))[0]).toMatchObject({ kind: 'ended', result: 'escalated' });
    // Escalated before any engine had it: nothing about an engine.
    expect(m.facts(event('outcome-out_2', 'OutcomeEscalated', { outcomeId: 'out_2', engineId: null, trigger: 'no_bid', at: AT }))).toEqual([]);
  });

  it('reads each outcome a conversion batch names, with its source and value; other event types of the Conversions API say nothing here', () => {
    const conversions = [
      { eventType: 'outcome.success', eventTime: AT, outcomeIds: ['out_1'], source: 'human_reviewer', outcomeValue: { amountMicros: 20_000_000 } },
      { eventType: 'outcome.failure', eventTime: AT, outcomeIds: ['out_2', 'out_3'], source: 'webhook', outcomeValue: null },
      { eventType: 'feedback.rating', eventTime: AT, outcomeIds: ['out_4'] },
      { eventType: 'outcome.partial', eventTime: AT, outcomeIds: ['out_5'] },
    ];
    expect(m.facts(event('conversion-buy_1.b1', 'ConversionsReported', { buyerId: 'buy_1', batch: 'b1', conversions }))).toEqual([
      { kind: 'conversion', outcomeId: 'out_1', verdict: 'success', source: 'human_reviewer', valueMicros: 20_000_000, at: T },
      { kind: 'conversion', outcomeId: 'out_2', verdict: 'failure', source: 'webhook', valueMicros: null, at: T },
      { kind: 'conversion', outcomeId: 'out_3', verdict: 'failure', source: 'webhook', valueMicros: null, at: T },
      { kind: 'conversion', outcomeId: 'out_5', verdict: 'partial', source: 'self_report', valueMicros: null, at: T },
    ]);
  });

  it('reads settlement: a guarantee-backed delivery’s window, charges and refunds, the attribution default, the window’s close', () => {
    const terms = (model: string, partialBilling = false) => ({ model, claimWindowEndsAt: '2026-12-13T10:00:00.000Z', deliveredAt: AT, partialBilling });
    expect(m.facts(event('settlement-out_1', 'SettlementOpened', { outcomeId: 'out_1', terms: terms('guarantee_backed'), at: AT }))).toEqual([
      { kind: 'guaranteed', outcomeId: 'out_1', windowEndsAt: Date.parse('2026-12-13T10:00:00.000Z'), at: T },
    ]);
    expect(m.facts(event('settlement-out_2', 'SettlementOpened', { outcomeId: 'out_2', terms: terms('capi_verified'), at: AT }))).toEqual([]);
    expect(m.facts(event('settlement-out_3', 'SettlementOpened', { outcomeId: 'out_3', terms: terms('guarantee_backed', true), at: AT }))).toEqual([]);
    expect(m.facts(event('settlement-out_2', 'OutcomeCharged', { outcomeId: 'out_2', amountMicros: 450, cause: { kind: 'attribution_default' }, at: AT }))).toEqual([
      { kind: 'charged', outcomeId: 'out_2', amountMicros: 450, at: T },
      { kind: 'defaulted', outcomeId: 'out_2', verdict: 'success', at: T },
    ]);
    expect(m.facts(event('settlement-out_4', 'ChargeReleased', { outcomeId: 'out_4', cause: { kind: 'attribution_default' }, at: AT }))).toEqual([
      { kind: 'released', outcomeId: 'out_4', at: T },
      { kind: 'defaulted', outcomeId: 'out_4', verdict: 'failure', at: T },
    ]);
    expect(m.facts(event('settlement-out_5', 'ChargeReleased', { outcomeId: 'out_5', cause: { kind: 'conversion' }, at: AT }))).toEqual([{ kind: 'released', outcomeId: 'out_5', at: T }]);
    expect(m.facts(event('settlement-out_2', 'OutcomeRefunded', { outcomeId: 'out_2', amountMicros: 450, at: AT }))).toEqual([{ kind: 'charged', outcomeId: 'out_2', amountMicros: -450, at: T }]);
    expect(m.facts(event('settlement-out_1', 'ClaimWindowClosed', { outcomeId: 'out_1', at: AT }))).toEqual([{ kind: 'window_closed', outcomeId: 'out_1', at: T }]);
  });

  it('follows a claim to its outcome: filed, denied or withdrawn (dropped), paid; and remembers it across a snapshot', () => {
    expect(m.facts(event('claim-clm_1', 'ClaimFiled', { claimId: 'clm_1', basis: { outcomeId: 'out_1' }, requestedMicros: 900, at: AT }))).toEqual([
      { kind: 'claim', outcomeId: 'out_1', claimId: 'clm_1', status: 'filed', amountMicros: 900, at: T },
    ]);
    expect(m.facts(event('claim-clm_1', 'ClaimDecided', { claimId: 'clm_1', decision: 'approved', approvedMicros: 900, at: AT }))).toEqual([]);
    expect(m.facts(event('claim-clm_1', 'ClaimPaid', { claimId: 'clm_1', amountMicros: 900, at: AT }))).toEqual([{ kind: 'claim', outcomeId: 'out_1', claimId: 'clm_1', status: 'paid', amountMicros: 900, at: T }]);
    m.facts(event('claim-clm_2', 'ClaimFiled', { claimId: 'clm_2', basis: { outcomeId: 'out_7' }, requestedMicros: 100, at: AT }));
    const restored = new FactMapper();
    restored.restore(JSON.parse(JSON.stringify(m.snapshot())));
    expect(restored.facts(event('claim-clm_2', 'ClaimDecided', { claimId: 'clm_2', decision: 'denied', approvedMicros: 0, at: AT }))).toEqual([
      { kind: 'claim', outcomeId: 'out_7', claimId: 'clm_2', status: 'dropped', amountMicros: 0, at: T },
    ]);
    expect(restored.facts(event('claim-clm_2', 'ClaimWithdrawn', { claimId: 'clm_2', reason: null, at: AT }))[0]).toMatchObject({ status: 'dropped' });
  });
});
