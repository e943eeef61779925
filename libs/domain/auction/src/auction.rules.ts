/**
 * The rules of one auction, as pure functions: who may bid, how bids rank, who wins and what the
 * winner is paid. Money is integer micro-dollars.
 *
 * Engines ask a price for the outcome. The buyer pays for results, so bids rank by expected cost
 * per successful outcome: price / P(success of this engine on this type). The winner is paid what
 * it needed to tie the runner-up (the runner-up's score at the winner's success probability), never
 * less than it asked and never more than the buyer's ceiling: a second-score auction, in which an
 * engine's best bid is its true price.
 */

export interface Bid {
  readonly engineId: string;
  readonly engineName: string;
  readonly priceMicros: number;
  /** When the bid arrived, for the last tie-break. */
  readonly receivedAt: number;
}

export type LossReason = 'outbid' | 'above_ceiling' | 'timeout';

export interface Loss {
  readonly engineId: string;
  readonly reason: LossReason;
  /** The price that would have won, at this engine's success probability; null when none would. */
  readonly priceToBeatMicros: number | null;
}

export type AuctionResult =
  | { readonly outcome: 'awarded'; readonly winner: Bid; readonly clearingPriceMicros: number; readonly losses: readonly Loss[] }
  | { readonly outcome: 'no_bid'; readonly losses: readonly Loss[] };

export interface AuctionInput {
  readonly bids: readonly Bid[];
  /** Bids that arrived after the auction closed. */
  readonly late: readonly Bid[];
  /** The most the buyer pays for one outcome; null: no ceiling (highest volume). */
  readonly ceilingMicros: number | null;
  /**
   * A lower ceiling for one engine, if the strategy has one: cost_per_result lets each engine ask
   * what keeps its expected cost per success at the goal (the goal times its P(success)).
   */
  readonly engineCeiling?: (engineId: string) => number | null;
  /** P(success) of an engine on this outcome type, in (0, 1]. */
  readonly successProbability: (engineId: string) => number;
  readonly preferredEngine: string | null;
}

const score = (bid: Bid, p: number): number => bid.priceMicros / Math.max(p, 1e-6);

/** Whole micro-dollars, rounded down, without floating-point noise (450000 / 0.7 * 0.7 is 449999.99999999994). */
const micros = (x: number): number => Math.floor(x + 1e-6);

/** Orders bids best first: lowest expected cost per success, then the preferred engine, then the earliest. */
export function rank(bids: readonly Bid[], successProbability: (engineId: string) => number, preferredEngine: string | null): Bid[] {
  return [...bids].sort((a, b) => {
    const d = score(a, successProbability(a.engineId)) - score(b, successProbability(b.engineId));
    if (Math.abs(d) > 1e-9) return d;
    const pa = a.engineName === preferredEngine ? 0 : 1;
    const pb = b.engineName === preferredEngine ? 0 : 1;
    return pa !== pb ? pa - pb : a.receivedAt - b.receivedAt;
  });
}

export function runAuction(input: AuctionInput): AuctionResult {
  const { successProbability: p } = input;
  const capOf = (engineId: string): number | null => {
    const own = input.engineCeiling?.(engineId) ?? null;
    return own === null ? input.ceilingMicros : input.ceilingMicros === null ? own : Math.min(own, input.ceilingMicros);
  };
  const fits = (b: Bid) => {
    const cap = capOf(b.engineId);
    return cap === null || b.priceMicros <= cap;
  };
  const timeouts: Loss[] = input.late.map((b) => ({ engineId: b.engineId, reason: 'timeout', priceToBeatMicros: null }));
  const ranked = rank(input.bids, p, input.preferredEngine);
  const winner = ranked.find(fits);
  if (!winner) return { outcome: 'no_bid', losses: [...ranked.map((b): Loss => ({ engineId: b.engineId, reason: 'above_ceiling', priceToBeatMicros: capOf(b.engineId) })), ...timeouts] };

  const pw = p(winner.engineId);
  // The runner-up is the best other bid, even one above the ceiling: it still says what winning took.
  const runnerUp = ranked.find((b) => b !== winner);
  // Alone, there is no second score and the winner is paid its ask.
  const needed = runnerUp ? micros(score(runnerUp, p(runnerUp.engineId)) * pw) : winner.priceMicros;
  const ceiling = capOf(winner.engineId);
  const clearing = Math.max(winner.priceMicros, ceiling === null ? needed : Math.min(needed, ceiling));
  const winnerScore = score(winner, pw);
  const beat = (b: Bid): number => Math.max(0, micros(winnerScore * p(b.engineId)) - 1);
  const losses: Loss[] = ranked
    .filter((b) => b !== winner)
    .map((b) =>
      fits(b)
        ? { engineId: b.engineId, reason: 'outbid', priceToBeatMicros: beat(b) }
        : { engineId: b.engineId, reason: 'above_ceiling', priceToBeatMicros: Math.min(capOf(b.engineId)!, beat(b)) },
    );
  return { outcome: 'awarded', winner, clearingPriceMicros: clearing, losses: [...losses, ...timeouts] };
}
