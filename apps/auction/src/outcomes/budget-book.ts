import { available, decideBudget, decodeBudget, encodeBudget, evolveBudget, initialBudgetState, mapGet, type BudgetEvent, type BudgetState } from '@outcomes/domain-auction';
import type { AggregateKind, Aggregates } from '@outcomes/platform';

/**
 * A hot budget's stream grows by a few events per auction (a million in ten minutes of the auction
 * bench), so its states are saved: a copy that starts reads the latest snapshot and what came after.
 */
export const budgets: AggregateKind<BudgetState, BudgetEvent> = {
  category: 'budget',
  initialState: initialBudgetState,
  evolve: evolveBudget,
  snapshots: { encode: encodeBudget, decode: decodeBudget, everyEvents: 10_000, minIntervalMs: 60_000 },
};

interface Pending {
  readonly decide: (state: BudgetState) => BudgetEvent[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** The most changes one append carries. */
const MAX_BATCH = 256;

/**
 * One copy's side of the budgets. Each budget's changes are decided one after another in this
 * process, from a state kept between them, and those that arrive while an append is under way
 * go together in the next one (group commit): a hot budget costs one round trip per batch, not
 * per auction. Copies of the service still race each other; the stream's expected version keeps
 * that safe (the loser decides its batch again on a fresh read). Each change is answered on its
 * own: a reservation past the limit is refused, the others in its batch go on.
 */
export class BudgetBook {
  private readonly pending = new Map<string, Pending[]>();
  private readonly draining = new Set<string>();
  private readonly states = new Map<string, { state: BudgetState; version: bigint }>();

  constructor(private readonly aggregates: Aggregates) {}

  /**
   * Reserves `amountMicros` under `reservationId`, or throws `BudgetRefused` when the limit would be
   * passed. Answers what the reservation holds: `amountMicros`, or what an earlier reservation under
   * the same id holds (a retry reserves nothing more), 0 if that one is already closed.
   */
  async reserve(budgetId: string, reservationId: string, amountMicros: number, limitMicros: number, now = new Date()): Promise<number> {
    let held = 0;
    await this.change(budgetId, (s) => {
      const events = decideBudget({ type: 'Reserve', outcomeId: reservationId, amountMicros, limitMicros, now }, s);
      held = events.length > 0 ? amountMicros : (mapGet(s.open, reservationId) ?? 0);
      return events;
    });
    return held;
  }

  /** Sets an open reservation to `amountMicros` (see the `Adjust` command); refused past the limit. */
  adjust(budgetId: string, reservationId: string, amountMicros: number, limitMicros: number, now = new Date()): Promise<void> {
    return this.change(budgetId, (s) => decideBudget({ type: 'Adjust', outcomeId: reservationId, amountMicros, limitMicros, now }, s));
  }

  /**
   * Whether the budget, as this copy last saw it, has at least `amountMicros` left; false when this
   * copy has not seen it yet. A hint for choosing a path, never a decision: reservations are
   * decided on the budget's stream.
   */
  hasRoom(budgetId: string, limitMicros: number, amountMicros: number): boolean {
    const known = this.states.get(budgetId);
    return known !== undefined && available(known.state, limitMicros) >= amountMicros;
  }

  release(budgetId: string, reservationId: string, now = new Date()): Promise<void> {
    return this.change(budgetId, (s) => decideBudget({ type: 'Release', outcomeId: reservationId, now }, s));
  }

  /** Spends `chargeMicros` of the reservation and releases the rest (settlement's verdict). */
  charge(budgetId: string, reservationId: string, chargeMicros: number, now = new Date()): Promise<void> {
    return this.change(budgetId, (s) => decideBudget({ type: 'Settle', outcomeId: reservationId, chargeMicros, now }, s));
  }

  refund(budgetId: string, reservationId: string, now = new Date()): Promise<void> {
    return this.change(budgetId, (s) => decideBudget({ type: 'Refund', outcomeId: reservationId, now }, s));
  }

  private change(budgetId: string, decide: (s: BudgetState) => BudgetEvent[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const queue = this.pending.get(budgetId);
      if (queue) queue.push({ decide, resolve, reject });
      else this.pending.set(budgetId, [{ decide, resolve, reject }]);
      if (!this.draining.has(budgetId)) void this.drain(budgetId);
    });
  }

  private async drain(budgetId: string): Promise<void> {
    this.draining.add(budgetId);
    try {
      for (let queue = this.pending.get(budgetId); queue && queue.length > 0; queue = this.pending.get(budgetId)) {
        const batch = queue.splice(0, MAX_BATCH);
        if (queue.length === 0) this.pending.delete(budgetId);
        try {
          const answers = await this.aggregates.executeMany(budgets, budgetId, batch.map((p) => p.decide), { actor: 'auction', retries: 50, cache: this.states });
          answers.forEach((a, i) => ('refused' in a ? batch[i]!.reject(a.refused) : batch[i]!.resolve()));
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.draining.delete(budgetId);
    }
  }
}
