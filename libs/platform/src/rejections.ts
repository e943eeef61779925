import { CommandError } from '@outcomes/bus';
import { WrongExpectedVersionError } from '@outcomes/event-store';

/** What every domain's refusal carries: a code the transports map, and the fields at fault. */
export interface Rejection {
  readonly code: string;
  readonly message: string;
  readonly fields: ReadonlyArray<{ readonly field: string; readonly reason: string }>;
}

/**
 * Domain refusals of the given classes cross the bus as command errors with their code and
 * fields; a version conflict that outlived the retries becomes VERSION_CONFLICT (try again).
 */
export function rejectionsToCommandErrors(...kinds: ReadonlyArray<abstract new (...args: never[]) => Rejection>) {
  return (err: unknown): CommandError | undefined => {
    if (kinds.some((k) => err instanceof k)) {
      const r = err as Rejection;
      return new CommandError(r.code, r.message, { fields: r.fields });
    }
    if (err instanceof WrongExpectedVersionError) return new CommandError('VERSION_CONFLICT', 'the resource changed while this request ran; try again');
    return undefined;
  };
}
