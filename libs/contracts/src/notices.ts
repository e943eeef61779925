/**
 * Change notices over core NATS: the owning service publishes one after a change commits, and
 * services that keep answers in memory drop what it names. Best effort by design (a notice lost
 * in a reconnect is covered by the caches' short time limit); the events remain the record.
 */
export const CHANGE_NOTICES = {
  /** `{ config_id }`: a configuration was revised, launched, paused or archived. */
  config: 'notice.config.changed',
  /** `{ engine_id }`: an engine was registered, changed, suspended or reinstated. */
  engine: 'notice.engine.changed',
  /** `{ key_id }`: an API key was revoked. */
  apiKeyRevoked: 'notice.apiKey.revoked',
} as const;
