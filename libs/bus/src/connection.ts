import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { credsAuthenticator, type ConnectionOptions, type NatsConnection } from '@nats-io/nats-core';
import type * as NatsInternal from '@nats-io/nats-core/lib/internal_mod';
import { NodeTransport, nodeResolveHost } from '@nats-io/transport-node/lib/node_transport';
import { CoalescingTransport } from './coalescing-transport';

// The client's transport hook lives in its `internal` entry point, which TypeScript's node10
// resolution does not see through the package's exports map: typed from the file it points at.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { NatsConnectionImpl, setTransportFactory } = require('@nats-io/nats-core/internal') as typeof NatsInternal;

/** Pino-compatible: `logger.info({fields}, 'message')`, so a service passes its own logger as is. */
export interface BusLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: BusLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface BusOptions {
  readonly servers: string | string[];
  /** Connection name shown by the server (`nats server report connections`): the service's name. */
  readonly name: string;
  /**
   * Prefixes every subject with `<namespace>.` and suffixes stream names with `_<namespace>`, so
   * tests (or tenants of a shared dev server) never see each other's messages.
   */
  readonly namespace?: string;
  readonly logger?: BusLogger;
  /** Base wait between reconnect attempts; each attempt adds a random jitter of up to half of it. */
  readonly reconnectTimeWaitMs?: number;
  /** Keep trying when no server answers at start-up, instead of failing (default: fail fast). */
  readonly waitOnFirstConnect?: boolean;
  /**
   * Skip capturing a stack trace at every request and publish (the client builds Error objects
   * up front to report async failures). Worth ~1.5x on publish-heavy processes such as the
   * relay; a failed publish then reports without the caller's stack.
   */
  readonly noAsyncTraces?: boolean;
  /** The content of a `.creds` file (user JWT and seed) when the server runs with accounts. */
  readonly credentials?: string;
  /**
   * Ask the server about JetStream at connect (default). An engine's connection may not use
   * JetStream at all: it connects without asking.
   */
  readonly checkJetStream?: boolean;
  /** Where replies to this connection's requests arrive (an engine's credentials allow only its own). */
  readonly inboxPrefix?: string;
  /**
   * Write what the client sends in one turn of the event loop in one socket write (default on;
   * see `CoalescingTransport`). Off: one write per microtask checkpoint, as the client does. The
   * choice holds for the process (see `connectNats`).
   */
  readonly coalesceWrites?: boolean;
}

export interface Bus {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly namespace: string;
  readonly logger: BusLogger;
  /** `evt.catalog.X` → `<namespace>.evt.catalog.X` (unchanged without a namespace). */
  subject(s: string): string;
  /** `EVENTS` → `EVENTS_<namespace>` (unchanged without a namespace). */
  streamName(base: string): string;
  /** Drains: in-flight requests and subscriptions finish before the socket closes. */
  close(): Promise<void>;
}

/**
 * `connect` of `@nats-io/transport-node`, with the option of a coalescing transport. As there,
 * the client takes its transports (the first and each reconnect's) from a factory set for the
 * whole process, and each call sets it: a process should not mix the two kinds of connection.
 */
export function connectNats(opts: ConnectionOptions, coalesce = true): Promise<NatsConnection> {
  setTransportFactory({ factory: () => (coalesce ? new CoalescingTransport(new NodeTransport()) : new NodeTransport()), dnsResolveFn: nodeResolveHost });
  return NatsConnectionImpl.connect(opts);
}

export async function connectBus(opts: BusOptions): Promise<Bus> {
  const logger = opts.logger ?? silentLogger;
  const namespace = opts.namespace ?? '';
  const waitMs = opts.reconnectTimeWaitMs ?? 1_000;
  const nc = await connectNats({
    servers: opts.servers,
    name: opts.name,
    // A service outlives any NATS outage: never give up reconnecting. The jitter keeps a fleet of
    // replicas from reconnecting in lock-step after a server restart.
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: waitMs,
    reconnectJitter: Math.round(waitMs / 2),
    waitOnFirstConnect: opts.waitOnFirstConnect ?? false,
    noAsyncTraces: opts.noAsyncTraces ?? false,
    ...(opts.inboxPrefix ? { inboxPrefix: opts.inboxPrefix } : {}),
    ...(opts.credentials ? { authenticator: credsAuthenticator(new TextEncoder().encode(opts.credentials)) } : {}),
  }, opts.coalesceWrites ?? true);
  void logStatus(nc, opts.name, logger);
  const jsm = await jetstreamManager(nc, { checkAPI: opts.checkJetStream ?? true });
  const js = jetstream(nc);
  return {
    nc,
    js,
    jsm,
    namespace,
    logger,
    subject: (s) => (namespace ? `${namespace}.${s}` : s),
    streamName: (base) => (namespace ? `${base}_${namespace}` : base),
    async close() {
      if (nc.isClosed()) return;
      // drain() refuses while a previous drain or close is under way; the connection ends either way.
      await nc.drain().catch(() => nc.close());
    },
  };
}

async function logStatus(nc: NatsConnection, name: string, logger: BusLogger): Promise<void> {
  for await (const s of nc.status()) {
    switch (s.type) {
      case 'disconnect':
        logger.warn({ nats: name, server: s.server }, 'nats disconnected');
        break;
      case 'reconnect':
        logger.info({ nats: name, server: s.server }, 'nats reconnected');
        break;
      case 'error':
        logger.error({ nats: name, err: s.error }, 'nats error');
        break;
      case 'ldm':
        logger.warn({ nats: name, server: s.server }, 'nats server entering lame-duck mode');
        break;
      case 'slowConsumer':
        logger.warn({ nats: name, subject: s.sub.getSubject(), pending: s.pending }, 'nats slow consumer');
        break;
      case 'staleConnection':
        logger.warn({ nats: name }, 'nats connection stale');
        break;
      default:
        break; // ping, reconnecting, update, close: too chatty or self-evident
    }
  }
}
