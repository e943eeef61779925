import { startHealthServer } from './health';

describe('health server', () => {
  it('is live always and ready only when every check passes', async () => {
    let dbUp = false;
    const server = await startHealthServer(0, { database: () => dbUp, nats: async () => true });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'not_ready', checks: { database: false, nats: true } });
      dbUp = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('counts a check that throws as not ready', async () => {
    const server = await startHealthServer(0, {
      database: () => {
        throw new Error('down');
      },
    });
    try {
      expect((await fetch(`http://127.0.0.1:${server.port}/readyz`)).status).toBe(503);
    } finally {
      await server.close();
    }
  });
});
