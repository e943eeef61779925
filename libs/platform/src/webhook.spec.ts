import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { postSigned, signPayload, verifyPayload, WebhookFailed } from './webhook';

/** A receiver that answers each call with the next status of a script, recording what it got. */
let server: Server;
let url: string;
let script: number[] = [];
let received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      const status = script.shift() ?? 200;
      if (status === 0) return; // never answers
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise((r) => server.close(r));
});
beforeEach(() => {
  script = [];
  received = [];
});

describe('signed webhook calls', () => {
  it('verifies its own signature, and refuses another body, secret or a stale timestamp', () => {
    const now = 1_800_000_000;
    const header = signPayload('whsec_1', '{"a":1}', now);
    expect(verifyPayload('whsec_1', '{"a":1}', header, now + 10)).toBe(true);
    expect(verifyPayload('whsec_1', '{"a":2}', header, now)).toBe(false);
    expect(verifyPayload('whsec_2', '{"a":1}', header, now)).toBe(false);
    expect(verifyPayload('whsec_1', '{"a":1}', header, now + 301)).toBe(false);
    expect(verifyPayload('whsec_1', '{"a":1}', undefined, now)).toBe(false);
  });

  it('retries after 5xx and 429 with the same idempotency key, each attempt signed', async () => {
    script = [503, 429, 200];
    const res = await postSigned({ url, body: { hello: 'engine' }, idempotencyKey: 'award:out_1', secret: 'whsec_1', headers: { 'x-api-key': 'k' }, timeoutMs: 2000, attempts: 3, backoffMs: 10 });
    expect(res).toMatchObject({ status: 200, attempts: 3 });
    expect(received.map((r) => r.headers['idempotency-key'])).toEqual(['award:out_1', 'award:out_1', 'award:out_1']);
    for (const r of received) {
      expect(r.headers['x-api-key']).toBe('k');
      expect(verifyPayload('whsec_1', r.body, r.headers['outcomes-signature'] as string, Math.floor(Date.now() / 1000))).toBe(true);
    }
  });

  it('stops at once on a 4xx other than 429, and gives up after its attempts on silence', async () => {
    script = [400, 200];
    await expect(postSigned({ url, body: {}, idempotencyKey: 'k', timeoutMs: 2000, attempts: 3, backoffMs: 10 })).rejects.toMatchObject({ attempts: 1, status: 400 });
    expect(received).toHaveLength(1);
    script = [0, 0];
    const err = await postSigned({ url, body: {}, idempotencyKey: 'k', timeoutMs: 100, attempts: 2, backoffMs: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookFailed);
    expect(err).toMatchObject({ attempts: 2, status: null, message: 'no answer within 100 ms' });
  });
});
