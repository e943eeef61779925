import { metrics, type Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { createServer, type AddressInfo } from 'node:net';

export interface MetricsOptions {
  readonly serviceName: string;
  /** Serves `/metrics` for Prometheus on this port (0 picks a free one); no endpoint when absent. */
  readonly prometheusPort?: number;
}

export interface MetricsHandle {
  /** The port `/metrics` is served on, when it is. */
  readonly port: number | undefined;
  shutdown(): Promise<void>;
}

let provider: MeterProvider | undefined;

export async function startMetrics(opts: MetricsOptions): Promise<MetricsHandle> {
  if (provider) await stopMetrics();
  let exporter: PrometheusExporter | undefined;
  if (opts.prometheusPort !== undefined) {
    // The exporter reads port 0 as "use the default 9464", so a free port is found here instead.
    const port = opts.prometheusPort === 0 ? await freePort() : opts.prometheusPort;
    exporter = new PrometheusExporter({ port, host: '0.0.0.0', preventServerStart: true });
    await exporter.startServer();
  }
  provider = new MeterProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.serviceName }),
    readers: exporter ? [exporter] : [],
  });
  metrics.setGlobalMeterProvider(provider);
  const server = (exporter as unknown as { _server?: { address(): AddressInfo | string | null } } | undefined)?._server;
  const address = server?.address();
  return { port: typeof address === 'object' && address ? address.port : opts.prometheusPort, shutdown: stopMetrics };
}

async function stopMetrics(): Promise<void> {
  const p = provider;
  provider = undefined;
  if (!p) return;
  await p.shutdown();
  metrics.disable();
}

/** The meter instruments are made from; a no-op meter until `startMetrics` ran. */
export const meter = (name = 'outcomes'): Meter => metrics.getMeter(name);

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '0.0.0.0', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
