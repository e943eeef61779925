import { conversionsOf, type ConversionRecord, type ConversionsReportedData } from '@outcomes/contracts';
import type { Fact, Pricing } from '@outcomes/domain-optimizer';
import type { RecordedEvent } from '@outcomes/event-store';

/** The stream categories the optimizer learns from: outcomes, conversions, settlements and claims. */
export const LEARNS_FROM = ['outcome', 'conversion', 'settlement', 'claim'] as const;

type D = Record<string, unknown>;

const VERDICTS: Record<string, 'success' | 'failure' | 'partial'> = { 'outcome.success': 'success', 'outcome.failure': 'failure', 'outcome.partial': 'partial' };

/**
 * Turns recorded events into the optimizer's facts. Claims name their outcome only when filed, so
 * the mapper remembers which outcome each claim is on (and its snapshot keeps that).
 */
export class FactMapper {
  private claims = new Map<string, string>();

  facts(e: RecordedEvent): Fact[] {
    const d = e.data as D;
    const outcomeId = d['outcomeId'] as string;
    const at = typeof d['at'] === 'string' ? Date.parse(d['at']) : e.recordedAt.getTime();
    switch (e.type) {
      case 'OutcomeRequested':
        return [{ kind: 'requested', outcomeId, buyerId: d['buyerId'] as string, configId: d['configId'] as string, outcomeType: d['outcomeType'] as string, at }];
      case 'AuctionClosed': {
        const bids = (d['bids'] as Array<{ priceMicros: number }> | undefined) ?? [];
        return [{ kind: 'auctioned', outcomeId, lowestBidMicros: bids.length ? Math.min(...bids.map((b) => b.priceMicros)) : null, pricing: (d['pricing'] as Pricing | undefined) ?? null, at }];
      }
      case 'OutcomeAwarded':
        return [{ kind: 'awarded', outcomeId, engineId: d['engineId'] as string, priceMicros: d['clearingPriceMicros'] as number, budgetId: (d['budgetId'] as string | undefined) ?? null, at }];
      case 'OutcomeCompleted':
        return [{ kind: 'ended', outcomeId, engineId: d['engineId'] as string, result: 'completed', at }];
      case 'OutcomeEscalated':
      case 'OutcomeFailed':
        // Escalated before any engine had it (no bid, budget, low confidence): nothing about an engine.
        return d['engineId'] ? [{ kind: 'ended', outcomeId, engineId: d['engineId'] as string, result: e.type === 'OutcomeEscalated' ? 'escalated' : 'failed', at }] : [];
      case 'ExecutionTimedOut':
        return [{ kind: 'ended', outcomeId, engineId: d['engineId'] as string, result: 'timed_out', at }];
      case 'ConversionsReported':
        return conversionsOf(d as unknown as ConversionsReportedData).flatMap((c) => this.conversion(c));
      case 'ConversionReported':
        return this.conversion(d as unknown as ConversionRecord);
      case 'SettlementOpened': {
        const t = d['terms'] as { model: string; claimWindowEndsAt: string | null; deliveredAt: string; partialBilling?: boolean };
        return t.model === 'guarantee_backed' && t.claimWindowEndsAt && !t.partialBilling ? [{ kind: 'guaranteed', outcomeId, windowEndsAt: Date.parse(t.claimWindowEndsAt), at: Date.parse(t.deliveredAt) }] : [];
      }
      case 'OutcomeCharged': {
        const charged: Fact = { kind: 'charged', outcomeId, amountMicros: d['amountMicros'] as number, at };
        return (d['cause'] as { kind: string }).kind === 'attribution_default' ? [charged, { kind: 'defaulted', outcomeId, verdict: 'success', at }] : [charged];
      }
      case 'ChargeReleased': {
        const released: Fact = { kind: 'released', outcomeId, at };
        return (d['cause'] as { kind: string }).kind === 'attribution_default' ? [released, { kind: 'defaulted', outcomeId, verdict: 'failure', at }] : [released];
      }
      case 'OutcomeRefunded':
        return [{ kind: 'charged', outcomeId, amountMicros: -(d['amountMicros'] as number), at }];
      case 'ClaimWindowClosed':
        return [{ kind: 'window_closed', outcomeId, at }];
      case 'ClaimFiled': {
        const claimId = d['claimId'] as string;
        const on = (d['basis'] as { outcomeId: string }).outcomeId;
        this.claims.set(claimId, on);
        return [{ kind: 'claim', outcomeId: on, claimId, status: 'filed', amountMicros: d['requestedMicros'] as number, at }];
      }
      case 'ClaimDecided':
      case 'ClaimWithdrawn': {
        const claimId = d['claimId'] as string;
        const on = this.claims.get(claimId);
        const dropped = e.type === 'ClaimWithdrawn' || d['decision'] === 'denied';
        return on && dropped ? [{ kind: 'claim', outcomeId: on, claimId, status: 'dropped', amountMicros: 0, at }] : [];
      }
      case 'ClaimPaid': {
        const claimId = d['claimId'] as string;
        const on = this.claims.get(claimId);
        return on ? [{ kind: 'claim', outcomeId: on, claimId, status: 'paid', amountMicros: d['amountMicros'] as number, at }] : [];
      }
      default:
        return [];
    }
  }

  private conversion(c: ConversionRecord): Fact[] {
    const verdict = VERDICTS[c.eventType];
    if (!verdict) return [];
    const at = Date.parse(c.eventTime);
    return c.outcomeIds.map((outcomeId) => ({ kind: 'conversion', outcomeId, verdict, source: c.source ?? 'self_report', valueMicros: c.outcomeValue?.amountMicros ?? null, at }));
  }

  snapshot(): Record<string, string> {
    return Object.fromEntries(this.claims);
  }

  restore(claims: Record<string, string>): void {
    this.claims = new Map(Object.entries(claims));
  }
}
