import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import { currentSpanId, currentTraceId } from './trace-context';

export type { DestinationStream, Logger };

export interface LoggerOptions {
  /** pino level name; 'info' by default. */
  readonly level?: string;
  /** Where lines go (stdout, buffered, by default); tests pass a stream to read them. */
  readonly destination?: DestinationStream;
}

/**
 * One JSON line per entry: `level` (name), `time` (ISO), `service`, `msg`, the entry's own fields and, inside
 * a span, `trace_id` and `span_id`, so logs of one request can be found next to its trace.
 */
export function createLogger(serviceName: string, opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service: serviceName },
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

/** Lets NestJS (bootstrap, exception handler, `Logger` instances) write through the same JSON logger. */
export class JsonNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params, false);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params, true);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params, false);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params, false);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params, false);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params, true);
  }

  // Nest appends the caller's context as the last string argument, and `error` passes a stack before it
  // (undefined when there is none); anything else is extra data the caller logged.
  private write(level: Level, message: unknown, params: unknown[], mayHaveStack: boolean): void {
    const rest = [...params];
    const fields: Record<string, unknown> = {};
    const last = rest.at(-1);
    if (typeof last === 'string' && !(mayHaveStack && rest.length === 1 && looksLikeStack(last))) fields['context'] = rest.pop();
    if (mayHaveStack && rest.length > 0 && (typeof rest.at(-1) === 'string' || rest.at(-1) === undefined)) {
      const stack = rest.pop();
      if (stack) fields['stack'] = stack;
    }
    if (rest.length > 0) fields['params'] = rest;
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'string') {
      this.logger[level](fields, message);
    } else {
      this.logger[level]({ ...fields, data: message }, '');
    }
  }
}

const looksLikeStack = (s: string): boolean => /\n\s+at /.test(s);
