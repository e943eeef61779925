import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { BuyerSpendCommand, type ConversionRecord, type ConversionsReportedData, conversionsOf, formatSignedUsd, formatUsd, GetSettlementCommand, HISTORY_COMMANDS, LedgerBalancesCommand, SETTLEMENT_COMMANDS } from '@outcomes/contracts';
import { CommandError } from '@outcomes/bus';
import { ClaimsService } from '../claims/claims.service';
import { SettlementService } from './settlement.service';

interface Envelope<D> {
  readonly data: D;
}

@Controller()
export class SettlementHandlers {
  constructor(
    private readonly settlement: SettlementService,
    private readonly claims: ClaimsService,
  ) {}

  @EventPattern('evt.outcome.OutcomeCompleted')
  async completed(@Payload() event: Envelope<{ outcomeId: string }>): Promise<void> {
    await this.settlement.onCompleted(event.data.outcomeId);
  }

  /** An escalation is billed only when the configuration bills escalations in part. */
  @EventPattern('evt.outcome.OutcomeEscalated')
  async escalated(@Payload() event: Envelope<{ outcomeId: string }>): Promise<void> {
    await this.settlement.onEscalated(event.data.outcomeId);
  }

  /** A conversion settles an outcome, or files, documents or withdraws a claim. */
  @EventPattern('evt.conversion.ConversionsReported')
  async conversions(@Payload() event: Envelope<ConversionsReportedData>): Promise<void> {
    // In the buyer's order; each step is idempotent, so a redelivered batch changes nothing twice.
    for (const c of conversionsOf(event.data)) await this.conversion({ data: c });
  }

  /** One conversion per event: how the first intake recorded them. */
  @EventPattern('evt.conversion.ConversionReported')
  async conversion(@Payload() event: Envelope<ConversionRecord>): Promise<void> {
    if (event.data.eventType.startsWith('guarantee.')) await this.claims.fromConversion(event.data);
    else await this.settlement.onConversion(event.data);
  }

  @MessagePattern(HISTORY_COMMANDS.rebuildLedger)
  rebuildLedger(): Promise<{ settlements: number; lines: number }> {
    return this.settlement.rebuildLedger();
  }

  @MessagePattern(SETTLEMENT_COMMANDS.balances)
  async balances(@Payload() cmd: LedgerBalancesCommand): Promise<unknown> {
    return { data: (await this.settlement.balances(cmd.account)).map((b) => ({ account: b.account, balance: formatSignedUsd(b.balance_micros) })) };
  }

  @MessagePattern(SETTLEMENT_COMMANDS.spend)
  async spend(@Payload() cmd: BuyerSpendCommand): Promise<unknown> {
    const rows = await this.settlement.spend(cmd.buyer_id, cmd.period);
    return {
      period: cmd.period,
      data: rows.map((r) => ({ period: r.period, outcome_type: r.outcome_type, outcomes: r.outcomes, charged: formatUsd(r.charged_micros), refunded: formatUsd(r.refunded_micros), net: formatSignedUsd(r.charged_micros - r.refunded_micros) })),
    };
  }

  @MessagePattern(SETTLEMENT_COMMANDS.settlement)
  async get(@Payload() cmd: GetSettlementCommand): Promise<unknown> {
    const s = await this.settlement.get(cmd.buyer_id, cmd.outcome_id);
    if (!s) throw new CommandError('NOT_FOUND', `outcome ${cmd.outcome_id} has no settlement`);
    const t = s.terms;
    return {
      outcome_id: t.outcomeId,
      object: 'settlement',
      status: s.status,
      verification: t.model,
      price: formatUsd(t.priceMicros),
      charged: formatUsd(s.chargedMicros),
      refunded: formatUsd(s.refundedMicros),
      paid_out: formatUsd(s.paidOutMicros),
      delivered_at: t.deliveredAt,
      attribution_ends_at: t.attributionEndsAt,
      claim_window_ends_at: t.claimWindowEndsAt,
      claim_window_open: s.claimWindowOpen,
      coverage_remaining: formatUsd(Math.max(0, t.coverageMicros - s.paidOutMicros)),
    };
  }
}
