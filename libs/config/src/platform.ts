import { bool, int, optionalStr, str } from './env';

/** Settings every service shares: where PostgreSQL and NATS are. Local defaults match a developer machine. */
export const platformSettings = {
  databaseUrl: str('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/outcomes', 'PostgreSQL connection string of the event store and read models'),
  natsUrl: str('NATS_URL', 'nats://127.0.0.1:4222', 'NATS server(s), comma separated'),
  natsCreds: optionalStr('NATS_CREDS', 'path of a .creds file (user JWT and seed) when NATS runs with accounts; none: no credentials'),
  natsCoalesceWrites: bool('NATS_COALESCE_WRITES', true, 'send what one turn of the event loop publishes in one socket write (off: one write per microtask, as the NATS client does)'),
  natsNamespace: str('OUTCOMES_NAMESPACE', '', 'prefix for NATS subjects and stream names; empty in production, unique per test run'),
  dbPoolSize: int('DB_POOL_SIZE', 10, { min: 1, max: 200 }, 'PostgreSQL connections per process'),
} as const;
