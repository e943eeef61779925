import { emptyMap, mapDelete, mapGet, mapSet, type PersistentMap } from './persistent-map';

/**
 * One budget period of one configuration: what is spent and what is reserved for awarded outcomes
 * that have not settled. The invariant the whole marketplace leans on: spent plus reserved never
 * exceeds the limit. Every auction reserves its clearing price here before it awards: either at
 * once, or by holding its ceiling while the bids come in and adjusting the hold to the clearing
 * price when the auction closes.
 */
export type BudgetPeriod = 'daily' | 'weekly' | 'monthly' | 'total';

export type BudgetEvent =
  | { readonly type: 'BudgetReserved'; readonly data: { readonly outcomeId: string; readonly amountMicros: number; readonly limitMicros: number; readonly at: string } }
  | { readonly type: 'BudgetCharged'; readonly data: { readonly outcomeId: string; readonly chargedMicros: number; readonly releasedMicros: number; readonly at: string } }
  | { readonly type: 'BudgetReleased'; readonly data: { readonly outcomeId: string; readonly releasedMicros: number; readonly at: string } }
  /** An open reservation set to another amount (a ceiling held during the auction, brought to the clearing price). */
  | { readonly type: 'BudgetAdjusted'; readonly data: { readonly outcomeId: string; readonly fromMicros: number; readonly toMicros: number; readonly at: string } }
  /** A charge given back (a success contradicted within its window): it is spent no more. */
  | { readonly type: 'BudgetRefunded'; readonly data: { readonly outcomeId: string; readonly refundedMicros: number; readonly at: string } };

export interface BudgetState {
  readonly limitMicros: number;
  readonly spentMicros: number;
  readonly reservedMicros: number;
  /** Open reservations by outcome. (Persistent maps: a change costs the same at ten or a hundred thousand entries.) */
  readonly open: PersistentMap<number>;
  /**
   * Reservations closed, so that a retry changes nothing: what each was charged (micro-dollars),
   * or `RELEASED`, or `REFUNDED`. (One map, not one per fact: a budget keeps an entry for every
   * outcome of its period.)
   */
  readonly closed: PersistentMap<number>;
}

/** In `closed`: released without a charge. */
export const RELEASED = -1;
/** In `closed`: charged, then given back. */
export const REFUNDED = -2;

export const initialBudgetState = (): BudgetState => ({ limitMicros: 0, spentMicros: 0, reservedMicros: 0, open: emptyMap(), closed: emptyMap() });

export type BudgetCommand =
  | { readonly type: 'Reserve'; readonly outcomeId: string; readonly amountMicros: number; readonly limitMicros: number; readonly now: Date }
  /**
   * Set an open reservation to `amountMicros`: lowering it gives the difference back; raising it
   * takes the difference, refused past the limit like a reservation.
   */
  | { readonly type: 'Adjust'; readonly outcomeId: string; readonly amountMicros: number; readonly limitMicros: number; readonly now: Date }
  /** Charge what the outcome costs (at most what was reserved) and release the rest. */
  | { readonly type: 'Settle'; readonly outcomeId: string; readonly chargeMicros: number; readonly now: Date }
  /** Nothing is owed (escalated, failed, declined): give the reservation back. */
  | { readonly type: 'Release'; readonly outcomeId: string; readonly now: Date }
  /** Give a settled charge back, once. */
  | { readonly type: 'Refund'; readonly outcomeId: string; readonly now: Date };

export class BudgetRefused extends Error {
  constructor(
    readonly code: 'BUDGET_EXHAUSTED' | 'RULE_VIOLATION' | 'NOT_FOUND',
    message: string,
    readonly fields: ReadonlyArray<{ readonly field: string; readonly reason: string }> = [],
  ) {
    super(message);
    this.name = 'BudgetRefused';
  }
}

export const available = (s: BudgetState, limitMicros = s.limitMicros): number => Math.max(0, limitMicros - s.spentMicros - s.reservedMicros);

export function decideBudget(command: BudgetCommand, state: BudgetState): BudgetEvent[] {
  const at = command.now.toISOString();
  const { outcomeId } = command;
  switch (command.type) {
    case 'Reserve': {
      if (mapGet(state.open, outcomeId) !== undefined || mapGet(state.closed, outcomeId) !== undefined) return [];
      if (!Number.isSafeInteger(command.amountMicros) || command.amountMicros < 0) throw new BudgetRefused('RULE_VIOLATION', 'a reservation is a whole, non-negative number of micro-dollars');
      if (command.amountMicros > available(state, command.limitMicros)) {
        throw new BudgetRefused('BUDGET_EXHAUSTED', `the budget has ${available(state, command.limitMicros)} micro-dollars left, not ${command.amountMicros}`);
      }
      return [{ type: 'BudgetReserved', data: { outcomeId, amountMicros: command.amountMicros, limitMicros: command.limitMicros, at } }];
    }
    case 'Adjust': {
      const reserved = mapGet(state.open, outcomeId);
      if (reserved === undefined) throw new BudgetRefused('NOT_FOUND', `no open reservation for ${outcomeId}`);
      if (!Number.isSafeInteger(command.amountMicros) || command.amountMicros < 0) throw new BudgetRefused('RULE_VIOLATION', 'a reservation is a whole, non-negative number of micro-dollars');
      if (command.amountMicros === reserved) return [];
      if (command.amountMicros - reserved > available(state, command.limitMicros)) {
        throw new BudgetRefused('BUDGET_EXHAUSTED', `the budget has ${available(state, command.limitMicros)} micro-dollars left, not the ${command.amountMicros - reserved} more asked`);
      }
      return [{ type: 'BudgetAdjusted', data: { outcomeId, fromMicros: reserved, toMicros: command.amountMicros, at } }];
    }
    case 'Settle': {
      if (mapGet(state.closed, outcomeId) !== undefined) return [];
      const reserved = mapGet(state.open, outcomeId);
      if (reserved === undefined) throw new BudgetRefused('NOT_FOUND', `no reservation for ${outcomeId}`);
      if (!Number.isSafeInteger(command.chargeMicros) || command.chargeMicros < 0 || command.chargeMicros > reserved) {
        throw new BudgetRefused('RULE_VIOLATION', `a charge must lie between 0 and the ${reserved} micro-dollars reserved`);
      }
      return [{ type: 'BudgetCharged', data: { outcomeId, chargedMicros: command.chargeMicros, releasedMicros: reserved - command.chargeMicros, at } }];
    }
    case 'Release': {
      const reserved = mapGet(state.open, outcomeId);
      if (reserved === undefined) return [];
      return [{ type: 'BudgetReleased', data: { outcomeId, releasedMicros: reserved, at } }];
    }
    case 'Refund': {
      const charged = mapGet(state.closed, outcomeId);
      if (charged === undefined || charged < 0) return [];
      return [{ type: 'BudgetRefunded', data: { outcomeId, refundedMicros: charged, at } }];
    }
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${String(unhandled)}`);
    }
  }
}

export function evolveBudget(state: BudgetState, event: BudgetEvent): BudgetState {
  const { outcomeId } = event.data;
  switch (event.type) {
    case 'BudgetReserved':
      return { ...state, limitMicros: event.data.limitMicros, reservedMicros: state.reservedMicros + event.data.amountMicros, open: mapSet(state.open, outcomeId, event.data.amountMicros) };
    case 'BudgetAdjusted':
      return { ...state, reservedMicros: state.reservedMicros - event.data.fromMicros + event.data.toMicros, open: mapSet(state.open, outcomeId, event.data.toMicros) };
    case 'BudgetCharged':
      return {
        ...state,
        spentMicros: state.spentMicros + event.data.chargedMicros,
        reservedMicros: state.reservedMicros - event.data.chargedMicros - event.data.releasedMicros,
        open: mapDelete(state.open, outcomeId),
        closed: mapSet(state.closed, outcomeId, event.data.chargedMicros),
      };
    case 'BudgetRefunded':
      return { ...state, spentMicros: state.spentMicros - event.data.refundedMicros, closed: mapSet(state.closed, outcomeId, REFUNDED) };
    case 'BudgetReleased':
      return { ...state, reservedMicros: state.reservedMicros - event.data.releasedMicros, open: mapDelete(state.open, outcomeId), closed: mapSet(state.closed, outcomeId, RELEASED) };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

/** The period a moment falls in, as part of a budget's stream id: `2026-11-22`, `2026-W47`, `2026-11`, `total`. */
export function periodKey(period: BudgetPeriod, now: Date): string {
  const iso = now.toISOString();
  switch (period) {
    case 'daily':
      return iso.slice(0, 10);
    case 'monthly':
      return iso.slice(0, 7);
    case 'total':
      return 'total';
    case 'weekly': {
      // ISO week: the week with the year's first Thursday is week 1.
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
      const day = d.getUTCDay() || 7;
      d.setUTCDate(d.getUTCDate() + 4 - day);
      const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
      const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
      return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
    }
    default: {
      const unhandled: never = period;
      throw new Error(`unhandled period ${String(unhandled)}`);
    }
  }
}

/** When the period a moment falls in starts and ends (epoch ms, UTC; ISO weeks start on Monday); a total budget has no end. */
export function periodBounds(period: BudgetPeriod, now: Date): { start: number; end: number | null } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  switch (period) {
    case 'daily':
      return { start: Date.UTC(y, m, d), end: Date.UTC(y, m, d + 1) };
    case 'weekly': {
      const monday = d - ((now.getUTCDay() + 6) % 7);
      return { start: Date.UTC(y, m, monday), end: Date.UTC(y, m, monday + 7) };
    }
    case 'monthly':
      return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
    case 'total':
      return { start: 0, end: null };
    default: {
      const unhandled: never = period;
      throw new Error(`unhandled period ${String(unhandled)}`);
    }
  }
}
