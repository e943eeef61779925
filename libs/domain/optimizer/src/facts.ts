/**
 * What the optimizer learns from, in its own words: the service turns recorded events (outcome,
 * auction, conversion, settlement and claim streams) into these facts, and the market simulation
 * produces them directly. Times are epoch milliseconds; money is integer micro-dollars.
 */
export type ConversionSource = 'human_reviewer' | 'automated_test' | 'webhook' | 'agent_runner' | 'self_report';

/** What the auction decided with, recorded on its close: the optimizer replays its own controllers from it. */
export interface Pricing {
  readonly strategy: string;
  readonly ceilingMicros: number | null;
  /** The goal the ceiling followed: cost per result (micro-dollars) or ROAS; null for the others. */
  readonly goal: number | null;
  /** P(success) per invited engine as used in the ranking (a draw for engines still learning). */
  readonly probabilities: Readonly<Record<string, number>>;
  readonly explored: readonly string[];
}

export type Fact =
  | { readonly kind: 'requested'; readonly outcomeId: string; readonly buyerId: string; readonly configId: string; readonly outcomeType: string; readonly at: number }
  /** The auction closed: the lowest bid (a market price reference), and what it priced with. */
  | { readonly kind: 'auctioned'; readonly outcomeId: string; readonly lowestBidMicros: number | null; readonly pricing: Pricing | null; readonly at: number }
  | { readonly kind: 'awarded'; readonly outcomeId: string; readonly engineId: string; readonly priceMicros: number; readonly budgetId: string | null; readonly at: number }
  /** The engine's last word, or the platform's: completed, escalated (by the engine), failed, or timed out (another engine may follow). */
  | { readonly kind: 'ended'; readonly outcomeId: string; readonly engineId: string; readonly result: 'completed' | 'escalated' | 'failed' | 'timed_out'; readonly at: number }
  /** A guarantee-backed delivery: its claim window runs until `windowEndsAt`. */
  | { readonly kind: 'guaranteed'; readonly outcomeId: string; readonly windowEndsAt: number; readonly at: number }
  | { readonly kind: 'conversion'; readonly outcomeId: string; readonly verdict: 'success' | 'failure' | 'partial'; readonly source: ConversionSource; readonly valueMicros: number | null; readonly at: number }
  /** The attribution window closed with no conversion: the type's default verdict applies. */
  | { readonly kind: 'defaulted'; readonly outcomeId: string; readonly verdict: 'success' | 'failure'; readonly at: number }
  /** A claim on the outcome: filed (valid until dropped), dropped (withdrawn or denied), or paid. */
  | { readonly kind: 'claim'; readonly outcomeId: string; readonly claimId: string; readonly status: 'filed' | 'dropped' | 'paid'; readonly amountMicros: number; readonly at: number }
  | { readonly kind: 'window_closed'; readonly outcomeId: string; readonly at: number }
  /** Money the buyer was charged (negative: refunded) for the outcome. */
  | { readonly kind: 'charged'; readonly outcomeId: string; readonly amountMicros: number; readonly at: number }
  /** The reservation was released uncharged: it no longer counts as spent for pacing. */
  | { readonly kind: 'released'; readonly outcomeId: string; readonly at: number };
