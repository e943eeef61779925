import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/nats-core';

/** JetStream's answer to a stored publish. */
export interface PubAck {
  readonly stream: string;
  readonly seq: number;
  /** The stream already held a message with this `Nats-Msg-Id` (within its duplicate window). */
  readonly duplicate: boolean;
}

/** Called once per publish, never before `send` returns: with the ack, or with why there is none. */
export type PublishDone = (err: JetStreamPublishError | undefined, ack: PubAck | undefined) => void;

/** What the relay needs of a publisher (tests wrap one to inject faults). */
export interface AckedPublisher {
  publish(subject: string, data: Uint8Array, headers?: MsgHdrs): Promise<PubAck>;
}

export interface JetStreamPublisherOptions {
  /** How long a publish waits for its ack before it fails (default 5 s). */
  readonly timeoutMs?: number;
  /** Where acks arrive: `<prefix>.<unique>.<n>` (default `_INBOX`). */
  readonly inboxPrefix?: string;
}

/** A publish that JetStream did not confirm: refused, unanswered, or given up. Names the subject. */
export class JetStreamPublishError extends Error {
  override readonly name = 'JetStreamPublishError';
  constructor(
    message: string,
    readonly subject: string,
    /** The status or JetStream error code, when the server gave one (503: no stream takes the subject). */
    readonly code?: number,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

interface Pending {
  readonly subject: string;
  readonly deadline: number;
  readonly done: PublishDone;
}

interface AckBody {
  readonly stream?: unknown;
  readonly seq?: unknown;
  readonly duplicate?: unknown;
  readonly error?: { readonly code?: number; readonly err_code?: number; readonly description?: string };
}

const decoder = new TextDecoder();

/**
 * Publishes to JetStream with many publishes awaiting their acks, at a fraction of `js.publish`'s
 * cost per message. `js.publish` is a core request: per message it arms a timer, registers a
 * token and builds two or three Error objects with stack traces in advance. Here every publish is
 * a plain `nc.publish` with a reply subject on one inbox subscription (`<inbox>.*`), its ack is
 * matched by the reply token, and one timer sweeps the publishes that waited too long. Errors are
 * built only when something fails.
 *
 * Order: the server stores one connection's messages in the order they arrive, as with
 * `js.publish`; an ack confirms only its own message.
 */
export class JetStreamPublisher implements AckedPublisher {
  private readonly timeoutMs: number;
  /** `<inbox>.`: a publish's reply subject is this plus its number. */
  private readonly replyPrefix: string;
  private readonly sub: Subscription;
  /** By reply subject, in the order sent: with one timeout for all, also in deadline order. */
  private readonly pending = new Map<string, Pending>();
  private sent = 0;
  private timer: NodeJS.Timeout | undefined;
  private closedBy: string | undefined;

  constructor(
    private readonly nc: NatsConnection,
    opts: JetStreamPublisherOptions = {},
  ) {
    this.timeoutMs = Math.max(1, opts.timeoutMs ?? 5_000);
    const inbox = createInbox(opts.inboxPrefix);
    this.replyPrefix = `${inbox}.`;
    this.sub = nc.subscribe(`${inbox}.*`, {
      callback: (err, msg) => {
        if (err) this.shut(`the ack subscription failed: ${err.message}`, err);
        else this.onReply(msg);
      },
    });
    // The connection closed (or the subscription ended some other way): no ack will come.
    void this.sub.closed.then(() => this.shut('the NATS connection closed'));
  }

  /** Publishes awaiting their ack. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Sends one message with `headers` as given (`Nats-Msg-Id` among them for de-duplication);
   * `done` gets the ack or the failure. The hot path: no promise, no timer, no Error.
   */
  send(subject: string, data: Uint8Array, headers: MsgHdrs | undefined, done: PublishDone): void {
    if (this.closedBy !== undefined) {
      const why = this.closedBy;
      queueMicrotask(() => done(new JetStreamPublishError(`publish to ${subject} not sent: ${why}`, subject), undefined));
      return;
    }
    const reply = this.replyPrefix + this.sent++;
    try {
      this.nc.publish(subject, data, headers ? { reply, headers } : { reply });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      queueMicrotask(() => done(new JetStreamPublishError(`publish to ${subject} not sent: ${reason}`, subject, undefined, err), undefined));
      return;
    }
    this.pending.set(reply, { subject, deadline: performance.now() + this.timeoutMs, done });
    if (!this.timer) this.arm(this.timeoutMs);
  }

  /** `send` as a promise. */
  publish(subject: string, data: Uint8Array, headers?: MsgHdrs): Promise<PubAck> {
    return new Promise((resolve, reject) => this.send(subject, data, headers, (err, ack) => (err ? reject(err) : resolve(ack!))));
  }

  /** Fails every publish still awaiting its ack, and every later one; stops listening for acks. */
  close(): void {
    this.shut('the publisher was closed');
    if (!this.sub.isClosed()) this.sub.unsubscribe();
  }

  private onReply(msg: Msg): void {
    const p = this.pending.get(msg.subject);
    if (!p) return; // already failed: timed out, or closed
    this.pending.delete(msg.subject);
    let ack: PubAck | undefined;
    let err: JetStreamPublishError | undefined;
    try {
      ack = parseAck(msg, p.subject);
    } catch (e) {
      err = e instanceof JetStreamPublishError ? e : new JetStreamPublishError(`unreadable JetStream ack for ${p.subject}: ${String(e)}`, p.subject, undefined, e);
    }
    settle(p, err, ack);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.sweep, Math.max(1, Math.ceil(ms)));
    this.timer.unref();
  }

  /** Fails the publishes past their deadline; runs again at the next deadline while any wait. */
  private readonly sweep = (): void => {
    this.timer = undefined;
    const now = performance.now();
    const expired: Pending[] = [];
    for (const [reply, p] of this.pending) {
      if (p.deadline > now) {
        this.arm(p.deadline - now);
        break;
      }
      this.pending.delete(reply);
      expired.push(p);
    }
    for (const p of expired) settle(p, new JetStreamPublishError(`no JetStream ack for the publish to ${p.subject} within ${this.timeoutMs} ms`, p.subject));
  };

  private shut(why: string, cause?: unknown): void {
    if (this.closedBy !== undefined) return;
    this.closedBy = why;
    clearTimeout(this.timer);
    this.timer = undefined;
    const left = [...this.pending.values()];
    this.pending.clear();
    for (const p of left) settle(p, new JetStreamPublishError(`no JetStream ack for the publish to ${p.subject}: ${why}`, p.subject, undefined, cause));
  }
}

function parseAck(msg: Msg, subject: string): PubAck {
  const status = msg.headers?.code ?? 0;
  if (status === 503) throw new JetStreamPublishError(`no JetStream stream takes subject ${subject} (no responders)`, subject, 503);
  if (status !== 0) throw new JetStreamPublishError(`publish to ${subject} answered with status ${msg.headers!.status}`, subject, status);
  const body = JSON.parse(decoder.decode(msg.data)) as AckBody;
  if (body.error) {
    const { code, err_code, description } = body.error;
    throw new JetStreamPublishError(`JetStream refused the publish to ${subject}: ${description ?? 'no description'} (${code ?? '?'}/${err_code ?? '?'})`, subject, err_code ?? code);
  }
  if (typeof body.stream !== 'string' || typeof body.seq !== 'number') throw new JetStreamPublishError(`not a JetStream ack for ${subject}: ${decoder.decode(msg.data)}`, subject);
  return { stream: body.stream, seq: body.seq, duplicate: body.duplicate === true };
}

/** Calls `done`; a callback that throws must not unwind into the NATS client's read loop. */
function settle(p: Pending, err: JetStreamPublishError | undefined, ack?: PubAck): void {
  try {
    p.done(err, ack);
  } catch (thrown) {
    queueMicrotask(() => {
      throw thrown;
    });
  }
}
