import { createServer } from 'node:http';
import { meter, startMetrics } from './metrics';

const scrape = async (port: number | undefined, path = '/metrics') => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
};

describe('startMetrics', () => {
  it('serves a counter to Prometheus on a free port when asked for port 0', async () => {
    const handle = await startMetrics({ serviceName: 'metrics-spec', prometheusPort: 0 });
    try {
      expect(handle.port).toBeGreaterThan(0);
      expect(handle.port).not.toBe(9464); // the exporter's own default, which it would pick for 0
      const things = meter('spec').createCounter('outcomes_spec_things_total', { description: 'things' });
      things.add(2, { kind: 'a' });
      things.add(1, { kind: 'a' });
      const { status, body } = await scrape(handle.port);
      expect(status).toBe(200);
      expect(body).toMatch(/^outcomes_spec_things_total\{[^}]*kind="a"[^}]*\} 3$/m);
      expect(body).toMatch(/service_name="metrics-spec"/);
      expect((await scrape(handle.port, '/other')).status).toBe(404);
    } finally {
      await handle.shutdown();
    }
  });

  it('closes the endpoint on shutdown at once, even with a kept-alive scrape connection', async () => {
    const handle = await startMetrics({ serviceName: 'metrics-spec', prometheusPort: 0 });
    await scrape(handle.port); // fetch keeps the connection open
    const started = Date.now();
    await Promise.all([handle.shutdown(), handle.shutdown()]);
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(scrape(handle.port)).rejects.toThrow();
  });

  it('lets a second start join the running provider and keeps the endpoint until the last shutdown', async () => {
    const a = await startMetrics({ serviceName: 'metrics-spec', prometheusPort: 0 });
    const b = await startMetrics({ serviceName: 'other', prometheusPort: 0 });
    expect(b.port).toBe(a.port);
    meter().createCounter('outcomes_spec_joined_total').add(1);
    await a.shutdown();
    await a.shutdown(); // a repeat must not count as `b` leaving
    expect((await scrape(b.port)).body).toMatch(/^outcomes_spec_joined_total\{[^}]*\} 1$/m);
    await b.shutdown();
    await expect(scrape(b.port)).rejects.toThrow();
  });

  it('has no endpoint nor handler without a port, and a failed start can be retried', async () => {
    const quiet = await startMetrics({ serviceName: 'metrics-spec' });
    expect(quiet.port).toBeUndefined();
    expect(quiet.metricsHandler).toBeUndefined();
    await quiet.shutdown();

    const holder = await startMetrics({ serviceName: 'holder', prometheusPort: 0 });
    const taken = holder.port!;
    await holder.shutdown();
    const squatter = createServer().listen(taken);
    await new Promise((r) => squatter.once('listening', r));
    try {
      await expect(startMetrics({ serviceName: 'metrics-spec', prometheusPort: taken })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
    const retry = await startMetrics({ serviceName: 'metrics-spec', prometheusPort: taken });
    expect(retry.port).toBe(taken);
    await retry.shutdown();
  });
});
