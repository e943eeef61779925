import { type BudgetState } from './budget.decide';
import { emptyMap, mapEntries, mapSet, type PersistentMap } from './persistent-map';

/** Entries per piece of an encoded budget: a piece is a few tens of kilobytes at most. */
const PIECE = 1000;

function* entries(map: PersistentMap<number>): Generator<string> {
  let piece: string[] = [];
  let first = true;
  for (const [key, value] of mapEntries(map)) {
    piece.push(`${JSON.stringify(key)},${value}`);
    if (piece.length === PIECE) {
      yield (first ? '' : ',') + piece.join(',');
      first = false;
      piece = [];
    }
  }
  if (piece.length > 0) yield (first ? '' : ',') + piece.join(',');
}

/**
 * A budget's state as JSON, in pieces: its sums, then its open and closed reservations as flat
 * `[key, value, key, value, ...]` arrays. A hot budget holds an entry for every outcome of its
 * period, so the pieces let its snapshot be written a little at a time.
 */
export function* encodeBudget(state: BudgetState): Generator<string> {
  yield `{"v":1,"limitMicros":${state.limitMicros},"spentMicros":${state.spentMicros},"reservedMicros":${state.reservedMicros},"open":[`;
  yield* entries(state.open);
  yield `],"closed":[`;
  yield* entries(state.closed);
  yield `]}`;
}

function pairs(list: unknown, field: string): PersistentMap<number> {
  if (!Array.isArray(list) || list.length % 2 !== 0) throw new Error(`budget snapshot: ${field} is not a list of pairs`);
  let map = emptyMap<number>();
  for (let i = 0; i < list.length; i += 2) {
    const key: unknown = list[i];
    const value: unknown = list[i + 1];
    if (typeof key !== 'string' || !Number.isSafeInteger(value)) throw new Error(`budget snapshot: ${field} holds a malformed entry at ${i / 2}`);
    map = mapSet(map, key, value as number);
  }
  return map;
}

/** The state back from `encodeBudget`'s JSON, parsed; throws on anything else. */
export function decodeBudget(json: unknown): BudgetState {
  const o = json as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null || o['v'] !== 1) throw new Error('budget snapshot: not a version 1 budget');
  for (const f of ['limitMicros', 'spentMicros', 'reservedMicros']) if (!Number.isSafeInteger(o[f])) throw new Error(`budget snapshot: ${f} is not a whole number`);
  return {
    limitMicros: o['limitMicros'] as number,
    spentMicros: o['spentMicros'] as number,
    reservedMicros: o['reservedMicros'] as number,
    open: pairs(o['open'], 'open'),
    closed: pairs(o['closed'], 'closed'),
  };
}
