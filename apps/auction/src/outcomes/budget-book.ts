import { decideBudget, evolveBudget, initialBudgetState, type BudgetEvent, type BudgetState } from '@outcomes/domain-auction';
import { KeyedQueue, type AggregateKind, type Aggregates } from '@outcomes/platform';

export const budgets: AggregateKind<BudgetState, BudgetEvent> = { category: 'budget', initialState: initialBudgetState, evolve: evolveBudget };

/**
 * One copy's side of the budgets: each budget's changes one at a time in this process, from a
 * state kept between them. Concurrent auctions on a hot budget would otherwise all read it, all
 * but one lose the optimistic race, and read it again. Copies of the service still race each
 * other; the stream's expected version keeps that safe (the loser decides again on a fresh read).
 */
export class BudgetBook {
  private readonly queue = new KeyedQueue();
  private readonly states = new Map<string, { state: BudgetState; version: bigint }>();

  constructor(private readonly aggregates: Aggregates) {}

  /** Reserves `amountMicros` under `reservationId`, or throws `BudgetRefused` when the limit would be passed. */
  reserve(budgetId: string, reservationId: string, amountMicros: number, limitMicros: number, now = new Date()): Promise<unknown> {
    return this.change(budgetId, (s) => decideBudget({ type: 'Reserve', outcomeId: reservationId, amountMicros, limitMicros, now }, s));
  }

  release(budgetId: string, reservationId: string, now = new Date()): Promise<unknown> {
    return this.change(budgetId, (s) => decideBudget({ type: 'Release', outcomeId: reservationId, now }, s));
  }

  /** Spends `chargeMicros` of the reservation and releases the rest (settlement's verdict). */
  charge(budgetId: string, reservationId: string, chargeMicros: number, now = new Date()): Promise<unknown> {
    return this.change(budgetId, (s) => decideBudget({ type: 'Settle', outcomeId: reservationId, chargeMicros, now }, s));
  }

  refund(budgetId: string, reservationId: string, now = new Date()): Promise<unknown> {
    return this.change(budgetId, (s) => decideBudget({ type: 'Refund', outcomeId: reservationId, now }, s));
  }

  private change(budgetId: string, decide: (s: BudgetState) => BudgetEvent[]): Promise<unknown> {
    return this.queue.run(budgetId, () => this.aggregates.execute(budgets, budgetId, decide, { actor: 'auction', retries: 50, cache: this.states }));
  }
}
