import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { meter } from './metrics';
import { startTelemetry } from './telemetry';
import { currentTraceId, withSpan } from './trace-context';

const run = promisify(execFile);

/** A stand-in OTLP/HTTP collector that keeps what it is sent. */
async function fakeCollector() {
  const received: { url: string | undefined; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString();
      received.push({ url: req.url, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('startTelemetry', () => {
  it('traces and serves metrics for a service, and can be started twice', async () => {
    const spans = new InMemorySpanExporter();
    const first = await startTelemetry({ serviceName: 'svc', prometheusPort: 0, spanExporter: spans });
    const second = await startTelemetry({ serviceName: 'svc', prometheusPort: 0 });
    expect(second.metricsPort).toBe(first.metricsPort);

    const traceId = await withSpan('op', {}, () => currentTraceId());
    expect(spans.getFinishedSpans().map((s) => [s.name, s.spanContext().traceId])).toEqual([['op', traceId]]);
    meter().createCounter('outcomes_spec_ops_total').add(5);
    const body = await (await fetch(`http://127.0.0.1:${first.metricsPort}/metrics`)).text();
    expect(body).toMatch(/^outcomes_spec_ops_total\{[^}]*\} 5$/m);

    await Promise.all([first.shutdown(), first.shutdown(), second.shutdown()]);
    await second.shutdown();
    await expect(fetch(`http://127.0.0.1:${first.metricsPort}/metrics`)).rejects.toThrow();
    expect(await withSpan('after', {}, () => currentTraceId())).toBeUndefined();
  });

  it('exports spans over OTLP/HTTP to the endpoint it is given', async () => {
    const collector = await fakeCollector();
    try {
      const { stdout } = await run(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'fixtures/otlp-export.fixture.ts'), `${collector.url}/`], {
        cwd: join(__dirname, '../../..'),
        timeout: 30_000,
      });
      const { traceId } = JSON.parse(stdout) as { traceId: string };
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(collector.received).toHaveLength(1);
      const [request] = collector.received;
      expect(request!.url).toBe('/v1/traces');
      expect(request!.body).toContain(traceId);
      expect(request!.body).toContain('exported');
    } finally {
      await collector.close();
    }
  });
});
