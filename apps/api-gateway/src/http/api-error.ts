import { CommandFailedError, CommandTimeoutError, ServiceUnavailableError } from '@outcomes/bus';
import type { ApiErrorBody, ApiErrorCode } from '@outcomes/contracts';

export interface FieldReason {
  readonly field: string;
  readonly reason: string;
}

const STATUS: Readonly<Record<ApiErrorCode, number>> = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  version_conflict: 409,
  already_exists: 409,
  idempotency_in_progress: 409,
  rule_violation: 422,
  idempotency_key_reused: 422,
  rate_limited: 429,
  payload_too_large: 413,
  unsupported_media_type: 415,
  service_unavailable: 503,
  internal: 500,
};

/** An answer the API gives on purpose; the filter writes it as the one error shape. */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly fields?: readonly FieldReason[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = STATUS[code];
  }

  body(): ApiErrorBody {
    return { error: { status: this.status, code: this.code, message: this.message, ...(this.fields && this.fields.length > 0 ? { fields: [...this.fields] } : {}) } };
  }
}

const SERVICE_CODES: Readonly<Record<string, ApiErrorCode>> = {
  VALIDATION_FAILED: 'validation_failed',
  NOT_FOUND: 'not_found',
  VERSION_CONFLICT: 'version_conflict',
  ALREADY_EXISTS: 'already_exists',
  RULE_VIOLATION: 'rule_violation',
  FORBIDDEN: 'forbidden',
  UNAUTHENTICATED: 'unauthenticated',
  INTERNAL: 'internal',
};

const fieldsOf = (details: unknown): FieldReason[] | undefined => {
  if (typeof details !== 'object' || details === null) return undefined;
  const d = details as { fields?: unknown; field?: unknown; reason?: unknown; reasons?: unknown };
  if (Array.isArray(d.fields)) return d.fields.filter((f): f is FieldReason => typeof f?.field === 'string' && typeof f?.reason === 'string');
  if (typeof d.field === 'string') return [{ field: d.field, reason: typeof d.reason === 'string' ? d.reason : 'is invalid' }];
  return undefined;
};

/** A service's refusal as the API's error; undefined for errors that are not a service's answer. */
export function fromCommandError(err: unknown): ApiError | undefined {
  if (err instanceof CommandFailedError && err.code === 'UNAVAILABLE') return new ApiError('service_unavailable', err.message, undefined, { 'retry-after': '1' });
  if (err instanceof CommandFailedError) return new ApiError(SERVICE_CODES[err.code] ?? 'rule_violation', err.message, fieldsOf(err.details));
  if (err instanceof ServiceUnavailableError || err instanceof CommandTimeoutError) {
    return new ApiError('service_unavailable', 'a service this request needs is not answering; try again shortly', undefined, { 'retry-after': '1' });
  }
  return undefined;
}

/** A kept answer, written again as it was (status and body) by the error filter. */
export class ReplayedAnswer extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super('replayed');
  }
}
