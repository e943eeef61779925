import { metrics, type Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsOptions {
  readonly serviceName: string;
  /** Serves `GET /metrics` for Prometheus on this port (0 picks a free one); no exporter when absent. */
  readonly prometheusPort?: number;
}

/** Answers a Prometheus scrape; for mounting the endpoint in an HTTP server of the caller's own. */
export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface MetricsHandle {
  /** The port `/metrics` is actually served on (the picked one when 0 was asked for). */
  readonly port: number | undefined;
  readonly metricsHandler: MetricsHandler | undefined;
  /** The last handle out shuts the provider and the endpoint down. Idempotent. */
  shutdown(): Promise<void>;
}

interface Registered {
  readonly provider: MeterProvider;
  readonly server: Server | undefined;
  readonly port: number | undefined;
  readonly metricsHandler: MetricsHandler | undefined;
  handles: number;
}

let registered: Promise<Registered> | undefined;

/**
 * Registers the global MeterProvider, with a Prometheus endpoint when a port is given.
 *
 * Readers are fixed when a provider is built and instruments stay bound to the provider they came from, so
 * one provider serves the process: a second call while it runs joins it and gets the same endpoint, whatever
 * options it passed.
 */
export async function startMetrics(opts: MetricsOptions): Promise<MetricsHandle> {
  const pending = (registered ??= register(opts));
  let reg: Registered;
  try {
    reg = await pending;
  } catch (err) {
    if (registered === pending) registered = undefined; // e.g. port in use: let the next call try afresh
    throw err;
  }
  reg.handles++;
  let done: Promise<void> | undefined;
  return {
    port: reg.port,
    metricsHandler: reg.metricsHandler,
    shutdown: () =>
      (done ??= (async () => {
        if (--reg.handles > 0 || registered !== pending) return;
        registered = undefined;
        metrics.disable();
        await Promise.all([reg.provider.shutdown(), reg.server && closeServer(reg.server)]);
      })()),
  };
}

/** A meter from the global provider; a no-op meter until `startMetrics` ran, so create instruments after it. */
export const meter = (name = 'outcomes'): Meter => metrics.getMeter(name);

async function register(opts: MetricsOptions): Promise<Registered> {
  // Our own server instead of the exporter's: the exporter reads port 0 as its default 9464 and falls back
  // to OTEL_EXPORTER_PROMETHEUS_* variables, and listening on 0 here yields the real port without a race.
  const exporter = opts.prometheusPort === undefined ? undefined : new PrometheusExporter({ preventServerStart: true });
  const metricsHandler: MetricsHandler | undefined = exporter && ((req, res) => exporter.getMetricsRequestHandler(req, res));
  const server = metricsHandler && opts.prometheusPort !== undefined ? await serve(metricsHandler, opts.prometheusPort) : undefined;
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.serviceName }),
    readers: exporter ? [exporter] : [],
  });
  metrics.setGlobalMeterProvider(provider);
  return { provider, server, port: server && (server.address() as AddressInfo).port, metricsHandler, handles: 0 };
}

function serve(handler: MetricsHandler, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') return handler(req, res);
    res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

// Node 19+ drops idle kept-alive connections on close, so a scraper's open connection does not hold it up.
const closeServer = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));
