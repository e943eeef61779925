import { ApiError } from './api-error';

export interface Page<T> {
  readonly object: 'list';
  readonly data: T[];
  readonly has_more: boolean;
  readonly next_cursor: string | null;
}

/** Opaque to clients, so the keyset behind it may change. */
export const encodeCursor = (lastId: string): string => Buffer.from(`v1:${lastId}`, 'utf8').toString('base64url');

export function decodeCursor(cursor: string): string {
  const raw = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const m = /^v1:([A-Za-z0-9_]{1,64})$/.exec(raw);
  if (!m) throw new ApiError('validation_failed', 'cursor is not one this API gave out', [{ field: 'cursor', reason: 'must be the next_cursor of a previous page' }]);
  return m[1]!;
}
