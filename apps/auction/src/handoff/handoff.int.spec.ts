import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectBus, decodeJson, type Bus } from '@outcomes/bus';
import { verifyPayload } from '@outcomes/platform';
import { testNatsUrl, uniqueName } from '@outcomes/testing';
import { SMTPServer } from 'smtp-server';
import { deliver, smtpMailer, type HandoffPackage } from './handoff';

/** Each destination against a real receiver on loopback: an HTTP server, an SMTP server, NATS. */
const pkg: HandoffPackage = {
  handoff_id: 'hoff_01TEST',
  outcome_id: 'out_01TEST',
  config_id: 'cfg_01TEST',
  escalation_reason: { trigger: 'confidence_below', details: 'the engine was unsure' },
  summary: 'Customer wants a refund above the limit.',
  transcript: [{ role: 'user', content: 'refund please' }],
  context: { input: 'refund please', metadata: {} },
  work_completed: { percentage: 40 },
  priority: 'normal',
  timestamp: '2026-11-29T10:00:00.000Z',
};

let bus: Bus;
let smtp: SMTPServer;
let smtpPort: number;
let mails: Array<{ from: string; to: string[]; raw: string }> = [];
let refuseMail = false;

beforeAll(async () => {
  bus = await connectBus({ servers: testNatsUrl(), name: 'handoff-test', namespace: uniqueName('hoff') });
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onRcptTo: (address, _session, cb) => (refuseMail ? cb(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 })) : cb()),
    onData: (stream, session, cb) => {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString()));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await bus.close();
  await new Promise<void>((r) => smtp.close(r));
});
beforeEach(() => {
  mails = [];
  refuseMail = false;
});

const target = <D>(destination: D) => ({ destination, include_summary: true, include_transcript: true, include_context: true }) as never;

describe('hand-off delivery', () => {
  it('e-mails the package through the SMTP relay, readable and with the package attached', async () => {
    const mailer = smtpMailer(`smtp://127.0.0.1:${smtpPort}`, 'Outcomes <handoffs@example.com>');
    const d = await deliver(bus, target({ type: 'email', address: 'support@acme.example', template: 'tier2' }), pkg, mailer);
    expect(d).toEqual({ destination: 'email', attempts: 1, failure: null });
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.from).toBe('handoffs@example.com');
    expect(mail!.to).toEqual(['support@acme.example']);
    expect(mail!.raw).toContain('Subject: [Outcomes] Escalated: out_01TEST (confidence_below)');
    expect(mail!.raw).toMatch(/X-Outcomes-Handoff-Id: hoff_01TEST/i);
    expect(mail!.raw).toContain('X-Outcomes-Template: tier2');
    expect(mail!.raw).toContain('Customer wants a refund above the limit.');
    expect(mail!.raw).toContain('filename=hoff_01TEST.json');
  });

  it('reports a refused e-mail at once, and an e-mail with no relay configured, as failures', async () => {
    refuseMail = true;
    const mailer = smtpMailer(`smtp://127.0.0.1:${smtpPort}`, 'handoffs@example.com');
    const refused = await deliver(bus, target({ type: 'email', address: 'nobody@acme.example', template: null }), pkg, mailer);
    expect(refused).toMatchObject({ destination: 'email', attempts: 1, failure: expect.stringContaining('mailbox unavailable') });
    const unconfigured = await deliver(bus, target({ type: 'email', address: 'x@acme.example', template: null }), pkg, undefined);
    expect(unconfigured).toEqual({ destination: 'email', attempts: 0, failure: 'no mail relay is configured (set SMTP_URL on the auction service)' });
  });

  it('posts a signed webhook, retrying a 5xx, and publishes to a queue subject', async () => {
    const bodies: Array<{ body: string; signature: string; key: string }> = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push({ body, signature: String(req.headers['outcomes-signature']), key: String(req.headers['idempotency-key']) });
        res.writeHead(bodies.length === 1 ? 502 : 204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const d = await deliver(bus, target({ type: 'webhook', url, credentials: { signing_secret: 'whsec_h' } }), pkg, undefined);
      expect(d).toEqual({ destination: 'webhook', attempts: 2, failure: null });
      expect(bodies.map((b) => b.key)).toEqual(['hoff_01TEST', 'hoff_01TEST']);
      expect(verifyPayload('whsec_h', bodies[1]!.body, bodies[1]!.signature, Math.floor(Date.now() / 1000))).toBe(true);
    } finally {
      server.close();
    }
    const got = new Promise<HandoffPackage>((resolve) => bus.nc.subscribe(bus.subject('handoff.tier_2'), { max: 1, callback: (_e, m) => resolve(decodeJson<HandoffPackage>(m.data)) }));
    await bus.nc.flush();
    expect(await deliver(bus, target({ type: 'queue', queue_name: 'tier 2', connection: null }), pkg, undefined)).toEqual({ destination: 'queue', attempts: 1, failure: null });
    expect((await got).handoff_id).toBe('hoff_01TEST');
  });
});
