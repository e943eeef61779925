import type { ExpectedVersion } from './types';

export type EventStoreErrorCode = 'WRONG_EXPECTED_VERSION' | 'EVENT_ID_CONFLICT' | 'INVALID_APPEND';

export abstract class EventStoreError extends Error {
  abstract readonly code: EventStoreErrorCode;
}

/** The stream was not at the version the writer expected: someone else appended first. */
export class WrongExpectedVersionError extends EventStoreError {
  readonly code = 'WRONG_EXPECTED_VERSION';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: bigint,
  ) {
    super(`stream ${streamId}: expected version ${String(expected)}, actual ${actual}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/** An event id is already stored, but not as the same append (another stream, or a different batch). */
export class EventIdConflictError extends EventStoreError {
  readonly code = 'EVENT_ID_CONFLICT';
  constructor(readonly streamId: string, detail: string) {
    super(`stream ${streamId}: ${detail}`);
    this.name = 'EventIdConflictError';
  }
}

export class InvalidAppendError extends EventStoreError {
  readonly code = 'INVALID_APPEND';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppendError';
  }
}
