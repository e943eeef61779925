import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReadinessCheck = () => Promise<boolean> | boolean;

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `/healthz` answers while the process is alive; `/readyz` answers 200 only when every check
 * passes (connected to PostgreSQL and NATS, subscriptions running), so an orchestrator sends
 * traffic to a copy only when it can serve it.
 */
export async function startHealthServer(port: number, checks: Readonly<Record<string, ReadinessCheck>>): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      if (req.url === '/readyz') {
        const results: Record<string, boolean> = {};
        for (const [name, check] of Object.entries(checks)) {
          try {
            results[name] = await check();
          } catch {
            results[name] = false;
          }
        }
        const ready = Object.values(results).every(Boolean);
        res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ready ? 'ready' : 'not_ready', checks: results }));
        return;
      }
      res.writeHead(404).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, '0.0.0.0', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
