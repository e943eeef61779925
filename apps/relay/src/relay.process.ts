import { provision, startRelay, type Relay } from '@outcomes/bus';
import { subscriptionLag } from '@outcomes/event-store';
import type { ServiceRuntime } from '@outcomes/platform';
import { meter } from '@outcomes/telemetry';
import type { RelayConfig } from './config';

const RELAY_NAME = 'relay';

/**
 * The relay process: provisions the EVENTS stream, then publishes the store's global order to
 * it. Copies beyond the first wait as hot standbys (the subscription's leader lock).
 */
export async function runRelay(rt: ServiceRuntime, config: RelayConfig): Promise<Relay> {
  await provision(rt.bus, { streams: [rt.eventsStream] });
  const published = meter().createCounter('outcomes_relay_published_total', { description: 'events published to JetStream' });
  const duplicates = meter().createCounter('outcomes_relay_duplicates_total', { description: 're-publishes JetStream dropped as duplicates' });
  const relay = startRelay({
    store: rt.store,
    connectionString: config.databaseUrl,
    bus: rt.bus,
    name: RELAY_NAME,
    batchSize: config.batchSize,
    maxInFlight: config.maxInFlight,
    onBatch: (s) => {
      published.add(s.published);
      duplicates.add(s.duplicates);
    },
    onError: (err) => rt.logger.warn({ err: String(err) }, 'relay batch failed; retrying from the checkpoint'),
  });
  observeLag(rt);
  return relay;
}

/** Lag gauges, read when Prometheus scrapes: what open transactions hold back, and what the relay has yet to publish. */
function observeLag(rt: ServiceRuntime): void {
  const heldBack = meter().createObservableGauge('outcomes_event_store_held_back_events', {
    description: 'committed events readers cannot deliver yet because an older transaction is open',
  });
  const oldest = meter().createObservableGauge('outcomes_event_store_oldest_open_transaction_seconds', {
    description: 'age of the oldest open transaction holding back readers',
  });
  const behind = meter().createObservableGauge('outcomes_relay_lag_events', { description: 'events stored but not yet published' });
  meter().addBatchObservableCallback(
    async (result) => {
      const [held, lag] = await Promise.all([rt.store.heldBack(), subscriptionLag(rt.store, RELAY_NAME)]);
      result.observe(heldBack, held.events);
      result.observe(oldest, (held.oldestOpenTransactionMs ?? 0) / 1000);
      result.observe(behind, lag.behind);
    },
    [heldBack, oldest, behind],
  );
}
