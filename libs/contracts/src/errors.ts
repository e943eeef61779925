export type ApiErrorCode =
  | 'validation_failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'version_conflict'
  | 'already_exists'
  | 'idempotency_in_progress'
  | 'rule_violation'
  | 'idempotency_key_reused'
  | 'rate_limited'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'service_unavailable'
  | 'internal';

/** The one shape of every error the API answers. */
export interface ApiErrorBody {
  readonly error: {
    readonly status: number;
    readonly code: ApiErrorCode;
    readonly message: string;
    readonly fields?: ReadonlyArray<{ readonly field: string; readonly reason: string }>;
  };
}
