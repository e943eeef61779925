/**
 * The settlement of one completed outcome: what the buyer is charged, what the engine is owed,
 * the platform's fee, and what is given back. Money moves as balanced ledger entries inside the
 * events (integer micro-dollars; every event's debits equal its credits), each naming its cause.
 *
 * cAPI-verified outcomes wait for the buyer's conversion: a success charges the reserved clearing
 * price, a partial success the share of it the conversion gives, a failure releases it, a failure
 * after a charge within the attribution window refunds it, and when the window closes with no
 * conversion the outcome type's default applies.
 * Guarantee-backed outcomes are charged on delivery; their claim window opens, and when it closes
 * the engine's reserve for claims is released. Escalated and failed outcomes never open one.
 */
export type VerificationModel = 'capi_verified' | 'guarantee_backed';

export interface SettlementTerms {
  readonly outcomeId: string;
  readonly buyerId: string;
  readonly engineId: string;
  readonly configId: string;
  readonly outcomeType: string;
  readonly model: VerificationModel;
  /** The clearing price, reserved on the buyer's budget at award. */
  readonly priceMicros: number;
  readonly budgetId: string;
  readonly reservationId: string;
  /** The platform's take, in basis points of each charge. */
  readonly takeRateBps: number;
  readonly deliveredAt: string;
  /** cAPI-verified: how long a conversion counts, and what the outcome counts as without one. */
  readonly attributionEndsAt: string | null;
  readonly defaultVerdict: 'success' | 'failure';
  /** Guarantee-backed: when the claim window closes, and the most all claims may pay out. */
  readonly claimWindowEndsAt: string | null;
  readonly coverageMicros: number;
  /** An escalated outcome billed under the configuration's partial billing model: charged once, no windows. */
  readonly partialBilling?: boolean;
}

export interface LedgerLine {
  /** `buyer:<id>`, `engine:<id>`, `platform:fees`. */
  readonly account: string;
  readonly side: 'debit' | 'credit';
  readonly micros: number;
}

/** What set a movement off: the delivery, a conversion (the buyer's event id), the window's default, a claim. */
export interface Cause {
  readonly kind: 'delivery' | 'conversion' | 'attribution_default' | 'claim' | 'partial_billing';
  readonly ref: string | null;
}

type At = { readonly outcomeId: string; readonly at: string };

export type SettlementEvent =
  | { readonly type: 'SettlementOpened'; readonly data: At & { readonly terms: SettlementTerms } }
  | { readonly type: 'OutcomeCharged'; readonly data: At & { readonly amountMicros: number; readonly feeMicros: number; readonly lines: readonly LedgerLine[]; readonly cause: Cause } }
  | { readonly type: 'ChargeReleased'; readonly data: At & { readonly cause: Cause } }
  | { readonly type: 'OutcomeRefunded'; readonly data: At & { readonly amountMicros: number; readonly lines: readonly LedgerLine[]; readonly cause: Cause } }
  /** A conversion that moved no money (a second success, one after the window), kept for the record. */
  | { readonly type: 'ConversionNoted'; readonly data: At & { readonly cause: Cause; readonly verdict: Verdict; readonly reason: string } }
  | { readonly type: 'ClaimWindowClosed'; readonly data: At & { readonly reserveReleasedMicros: number } }
  | { readonly type: 'ClaimPaidOut'; readonly data: At & { readonly claimId: string; readonly amountMicros: number; readonly lines: readonly LedgerLine[] } };

export type Verdict = 'success' | 'failure' | 'partial';

export type SettlementState =
  | { readonly status: 'none' }
  | {
      readonly status: 'awaiting' | 'charged' | 'released' | 'refunded';
      readonly terms: SettlementTerms;
      readonly chargedMicros: number;
      readonly refundedMicros: number;
      readonly paidOutMicros: number;
      readonly claimWindowOpen: boolean;
      /** Conversions already applied, by the buyer's event id: a redelivery changes nothing. */
      readonly seen: Readonly<Record<string, true>>;
    };

export const initialSettlementState = (): SettlementState => ({ status: 'none' });

export type SettlementCommand =
  | { readonly type: 'Open'; readonly terms: SettlementTerms; readonly now: Date }
  /** An escalated outcome the configuration bills in part: `terms.priceMicros` is the partial amount (at most the clearing price). */
  | { readonly type: 'OpenPartial'; readonly terms: SettlementTerms; readonly now: Date }
  /** `partialShareBps`: for a partial success, the share of the price it earns (0 to 10,000; see `partialShareBps`). */
  | { readonly type: 'ApplyConversion'; readonly eventId: string; readonly verdict: Verdict; readonly partialShareBps?: number; readonly eventTime: Date; readonly now: Date }
  | { readonly type: 'CloseAttribution'; readonly now: Date }
  | { readonly type: 'CloseClaimWindow'; readonly now: Date }
  | { readonly type: 'PayClaim'; readonly claimId: string; readonly amountMicros: number; readonly now: Date };

export class SettlementRefused extends Error {
  constructor(
    readonly code: 'RULE_VIOLATION' | 'NOT_FOUND',
    message: string,
    readonly fields: ReadonlyArray<{ readonly field: string; readonly reason: string }> = [],
  ) {
    super(message);
    this.name = 'SettlementRefused';
  }
}

/**
 * How much of the price a partial success earns, in basis points: the buyer's `score` when it gives
 * one, else the share of its boolean success criteria that were met; with neither, nothing.
 */
export function partialShareBps(c: { readonly score: number | null; readonly successCriteriaResults: Readonly<Record<string, unknown>> | null }): number {
  if (typeof c.score === 'number' && Number.isFinite(c.score)) return Math.min(10_000, Math.max(0, Math.round(c.score * 10_000)));
  const criteria = Object.values(c.successCriteriaResults ?? {}).filter((v): v is boolean => typeof v === 'boolean');
  return criteria.length === 0 ? 0 : Math.floor((criteria.filter(Boolean).length * 10_000) / criteria.length);
}

/** `bps` of a price (held to 0..10,000), rounded down, exact for any safe price. */
export const shareOf = (priceMicros: number, bps: number): number => Number((BigInt(priceMicros) * BigInt(Math.min(10_000, Math.max(0, Math.floor(bps))))) / 10_000n);

export const feeOf = (amountMicros: number, takeRateBps: number): number => Math.floor((amountMicros * takeRateBps) / 10_000);

/** The buyer pays the price; the engine is owed it less the platform's fee. */
export function chargeLines(t: SettlementTerms, amountMicros: number): LedgerLine[] {
  const fee = feeOf(amountMicros, t.takeRateBps);
  return [
    { account: `buyer:${t.buyerId}`, side: 'debit', micros: amountMicros },
    { account: `engine:${t.engineId}`, side: 'credit', micros: amountMicros - fee },
    { account: 'platform:fees', side: 'credit', micros: fee },
  ];
}

const reverse = (lines: readonly LedgerLine[]): LedgerLine[] => lines.map((l) => ({ ...l, side: l.side === 'debit' ? 'credit' : 'debit' }));

export function decideSettlement(command: SettlementCommand, state: SettlementState): SettlementEvent[] {
  const at = command.now.toISOString();
  if (command.type === 'Open') {
    if (state.status !== 'none') return [];
    const t = command.terms;
    if (!Number.isSafeInteger(t.priceMicros) || t.priceMicros < 0) throw new SettlementRefused('RULE_VIOLATION', 'a price is a whole, non-negative number of micro-dollars');
    const opened: SettlementEvent = { type: 'SettlementOpened', data: { outcomeId: t.outcomeId, terms: t, at } };
    if (t.model === 'capi_verified') return [opened];
    return [opened, charge(t, { kind: 'delivery', ref: null }, at)];
  }
  if (command.type === 'OpenPartial') {
    if (state.status !== 'none') return [];
    const t: SettlementTerms = { ...command.terms, partialBilling: true, attributionEndsAt: null, claimWindowEndsAt: null, coverageMicros: 0 };
    if (!Number.isSafeInteger(t.priceMicros) || t.priceMicros < 0) throw new SettlementRefused('RULE_VIOLATION', 'a partial charge is a whole, non-negative number of micro-dollars');
    return [{ type: 'SettlementOpened', data: { outcomeId: t.outcomeId, terms: t, at } }, charge(t, { kind: 'partial_billing', ref: null }, at)];
  }
  if (state.status === 'none') throw new SettlementRefused('NOT_FOUND', 'no settlement is open for this outcome');
  const t = state.terms;
  const outcomeId = t.outcomeId;
  switch (command.type) {
    case 'ApplyConversion': {
      if (state.seen[command.eventId]) return [];
      const cause: Cause = { kind: 'conversion', ref: command.eventId };
      const note = (reason: string): SettlementEvent[] => [{ type: 'ConversionNoted', data: { outcomeId, cause, verdict: command.verdict, reason, at } }];
      if (t.partialBilling) return note('the outcome escalated and was billed in part');
      if (t.model === 'guarantee_backed') return note('guarantee-backed outcomes settle on delivery; defects are claimed');
      const inWindow = t.attributionEndsAt === null || command.eventTime.getTime() <= Date.parse(t.attributionEndsAt);
      if (!inWindow) return note('the conversion happened after the attribution window');
      const success = command.verdict !== 'failure';
      if (state.status === 'awaiting') {
        // A partial success is charged its share of the price; the rest of the reservation goes back.
        const amount = !success ? 0 : command.verdict === 'partial' ? shareOf(t.priceMicros, command.partialShareBps ?? 0) : t.priceMicros;
        return amount > 0 ? [charge(t, cause, at, amount)] : [{ type: 'ChargeReleased', data: { outcomeId, cause, at } }];
      }
      if (state.status === 'charged' && !success) {
        // A success contradicted within the window (a reopened ticket): the charge is given back.
        return [{ type: 'OutcomeRefunded', data: { outcomeId, amountMicros: state.chargedMicros, lines: reverse(chargeLines(t, state.chargedMicros)), cause, at } }];
      }
      return note(`the outcome is already ${state.status}`);
    }
    case 'CloseAttribution':
      if (state.status !== 'awaiting') return [];
      return t.defaultVerdict === 'success' ? [charge(t, { kind: 'attribution_default', ref: null }, at)] : [{ type: 'ChargeReleased', data: { outcomeId, cause: { kind: 'attribution_default', ref: null }, at } }];
    case 'CloseClaimWindow':
      if (!state.claimWindowOpen) return [];
      return [{ type: 'ClaimWindowClosed', data: { outcomeId, reserveReleasedMicros: Math.max(0, t.coverageMicros - state.paidOutMicros), at } }];
    case 'PayClaim': {
      if (!state.claimWindowOpen) throw new SettlementRefused('RULE_VIOLATION', `the claim window of ${outcomeId} is closed`);
      const left = t.coverageMicros - state.paidOutMicros;
      if (!Number.isSafeInteger(command.amountMicros) || command.amountMicros <= 0 || command.amountMicros > left) {
        throw new SettlementRefused('RULE_VIOLATION', `a payout must lie between 1 and the ${left} micro-dollars of coverage left`, [{ field: 'amount', reason: `at most ${left} micro-dollars` }]);
      }
      const lines: LedgerLine[] = [
        { account: `engine:${t.engineId}`, side: 'debit', micros: command.amountMicros },
        { account: `buyer:${t.buyerId}`, side: 'credit', micros: command.amountMicros },
      ];
      return [{ type: 'ClaimPaidOut', data: { outcomeId, claimId: command.claimId, amountMicros: command.amountMicros, lines, at } }];
    }
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${String(unhandled)}`);
    }
  }
}

function charge(t: SettlementTerms, cause: Cause, at: string, amountMicros = t.priceMicros): SettlementEvent {
  const lines = chargeLines(t, amountMicros);
  return { type: 'OutcomeCharged', data: { outcomeId: t.outcomeId, amountMicros, feeMicros: feeOf(amountMicros, t.takeRateBps), lines, cause, at } };
}

export function evolveSettlement(state: SettlementState, event: SettlementEvent): SettlementState {
  if (event.type === 'SettlementOpened') {
    const t = event.data.terms;
    return { status: 'awaiting', terms: t, chargedMicros: 0, refundedMicros: 0, paidOutMicros: 0, claimWindowOpen: t.model === 'guarantee_backed' && !t.partialBilling, seen: {} };
  }
  if (state.status === 'none') return state;
  const seen = 'cause' in event.data && event.data.cause.kind === 'conversion' && event.data.cause.ref ? { ...state.seen, [event.data.cause.ref]: true as const } : state.seen;
  switch (event.type) {
    case 'OutcomeCharged':
      return { ...state, status: 'charged', chargedMicros: state.chargedMicros + event.data.amountMicros, seen };
    case 'ChargeReleased':
      return { ...state, status: 'released', seen };
    case 'OutcomeRefunded':
      return { ...state, status: 'refunded', refundedMicros: state.refundedMicros + event.data.amountMicros, seen };
    case 'ConversionNoted':
      return { ...state, seen };
    case 'ClaimWindowClosed':
      return { ...state, claimWindowOpen: false };
    case 'ClaimPaidOut':
      return { ...state, paidOutMicros: state.paidOutMicros + event.data.amountMicros };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

/** Every ledger line an event carries (none for events that move no money). */
export const linesOf = (e: SettlementEvent): readonly LedgerLine[] =>
  e.type === 'OutcomeCharged' || e.type === 'OutcomeRefunded' || e.type === 'ClaimPaidOut' ? e.data.lines : [];

/** Balances by account from a history of settlement events: credits minus debits. */
export function balances(events: readonly SettlementEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) for (const l of linesOf(e)) out.set(l.account, (out.get(l.account) ?? 0) + (l.side === 'credit' ? l.micros : -l.micros));
  return out;
}
