/**
 * Given/when/then for pure deciders: given these past events, when this command, then these new
 * events, or this refusal.
 */
export interface Decider<C, E, S> {
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
  initialState(): S;
}

export function deciderSpec<C, E, S>(decider: Decider<C, E, S>) {
  return {
    given(history: readonly E[]) {
      const state = history.reduce((s, e) => decider.evolve(s, e), decider.initialState());
      return {
        state,
        when(command: C) {
          const run = () => decider.decide(command, state);
          return {
            /** The events, for assertions that `then` cannot express. */
            events: run,
            then(expected: readonly E[]): void {
              expect(run()).toEqual(expected);
            },
            /** The refusal: an error matching `shape` (its code, its fields...). */
            thenRejects(shape: Record<string, unknown>): void {
              let caught: unknown;
              try {
                run();
              } catch (err) {
                caught = err;
              }
              expect(caught).toBeInstanceOf(Error);
              expect(caught).toMatchObject(shape);
            },
          };
        },
      };
    },
  };
}
