import type { OutcomeState } from '@outcomes/domain-auction';

const inputWeights = new WeakMap<object, number>();

/**
 * About what a cached outcome state weighs in memory: a kilobyte, and its input's JSON (the buyer's
 * input may be large). The request is the same object in every state of an outcome, so its input
 * is measured once.
 */
export function weighState(state: OutcomeState): number {
  if (state.status === 'empty') return 1024;
  const { request } = state;
  let input = inputWeights.get(request);
  if (input === undefined) {
    input = typeof request.input === 'string' ? request.input.length : (JSON.stringify(request.input) ?? '').length;
    inputWeights.set(request, input);
  }
  return 1024 + input;
}
