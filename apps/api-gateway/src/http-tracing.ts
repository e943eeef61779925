import { SpanKind, extractTraceContext, withSpan } from '@outcomes/telemetry';
import type { NextFunction, Request, Response } from 'express';

/**
 * One server span per request, continuing the caller's `traceparent`: everything the request
 * sends over NATS and appends to the event store carries the same trace.
 */
export function traceRequests(req: Request, res: Response, next: NextFunction): void {
  void withSpan(`HTTP ${req.method}`, { kind: SpanKind.SERVER, parent: extractTraceContext(req.headers), attributes: { 'http.request.method': req.method, 'url.path': req.path } }, (span) =>
    new Promise<void>((resolve) => {
      res.on('close', () => {
        span.setAttribute('http.response.status_code', res.statusCode);
        resolve();
      });
      next();
    }),
  );
}
