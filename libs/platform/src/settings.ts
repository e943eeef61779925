import { int, oneOf, optionalStr, platformSettings, str } from '@outcomes/config';

/** What every service process reads from the environment, on top of its own settings. */
export const serviceSettings = {
  ...platformSettings,
  healthPort: int('HEALTH_PORT', 8080, { min: 0, max: 65535 }, 'port of /healthz and /readyz (0: any free port)'),
  metricsPort: int('METRICS_PORT', 9464, { min: 0, max: 65535 }, 'port of the Prometheus /metrics endpoint (0: any free port)'),
  otlpEndpoint: optionalStr('OTEL_EXPORTER_OTLP_ENDPOINT', 'OTLP/HTTP collector for traces; none: traces are not exported'),
  tracing: oneOf('TRACING', ['auto', 'on', 'off'] as const, 'auto', 'auto: spans are recorded when OTEL_EXPORTER_OTLP_ENDPOINT is set; on: always (trace ids in logs and events without export); off: never'),
  logLevel: str('LOG_LEVEL', 'info', 'trace, debug, info, warn, error'),
  jetstreamReplicas: int('JETSTREAM_REPLICAS', 1, { min: 1, max: 5 }, 'replicas of the EVENTS stream (3 on a 3-node JetStream cluster)'),
} as const;

export interface ServiceConfig {
  readonly databaseUrl: string;
  readonly natsUrl: string;
  readonly natsNamespace: string;
  readonly natsCoalesceWrites?: boolean;
  readonly natsCreds?: string | undefined;
  readonly dbPoolSize: number;
  readonly healthPort: number;
  readonly metricsPort: number;
  readonly otlpEndpoint: string | undefined;
  /** Absent: `auto`. */
  readonly tracing?: 'auto' | 'on' | 'off';
  readonly logLevel: string;
  readonly jetstreamReplicas: number;
}
