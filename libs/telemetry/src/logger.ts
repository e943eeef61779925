import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import { currentSpanId, currentTraceId } from './tracing';

export type { Logger };

export interface LoggerOptions {
  readonly level?: string;
  /** Where lines go (stdout by default); tests pass a stream to read them. */
  readonly destination?: DestinationStream;
}

/** One JSON line per entry, with the service and, inside a span, its trace and span ids. */
export function createLogger(service: string, opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => {
        const traceId = currentTraceId();
        return traceId ? { trace_id: traceId, span_id: currentSpanId() } : {};
      },
    },
    opts.destination ?? pino.destination({ sync: false }),
  );
}

/** Lets NestJS write through the same JSON logger. */
export class JsonNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, stack: trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
