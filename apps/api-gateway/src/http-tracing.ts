import { SpanKind, extractTraceContext, withSpan } from '@outcomes/telemetry';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/**
 * One server span per request, continuing the caller's `traceparent`: everything the request
 * sends over NATS and appends to the event store carries the same trace. An `onRequest` hook:
 * Fastify runs the rest of the request from `done`, so calling it inside the span keeps the span
 * the active context through the body parser, the guards and the handler.
 */
export function traceRequests(req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const query = req.url.indexOf('?');
  const path = query === -1 ? req.url : req.url.slice(0, query);
  void withSpan(`HTTP ${req.method}`, { kind: SpanKind.SERVER, parent: extractTraceContext(req.headers), attributes: { 'http.request.method': req.method, 'url.path': path } }, (span) =>
    new Promise<void>((resolve) => {
      // The raw response: a hijacked reply (Server-Sent Events) ends there too.
      reply.raw.on('close', () => {
        span.setAttribute('http.response.status_code', reply.raw.statusCode);
        resolve();
      });
      done();
    }),
  );
}
