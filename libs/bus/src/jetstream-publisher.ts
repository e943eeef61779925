import type { Msg, MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import { NoRespondersError, Requester, RequestTimeoutError, type RequestError } from './requester';

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
 * token and builds two or three Error objects with stack traces in advance. Here a publish is a
 * request through a `Requester` of its own (one inbox subscription, one sweeping timer, Errors only
 * on failure) whose reply is read as JetStream's ack.
 *
 * Order: the server stores one connection's messages in the order they arrive, as with
 * `js.publish`; an ack confirms only its own message.
 */
export class JetStreamPublisher implements AckedPublisher {
  private readonly timeoutMs: number;
  private readonly requester: Requester;

  constructor(nc: NatsConnection, opts: JetStreamPublisherOptions = {}) {
    this.timeoutMs = Math.max(1, opts.timeoutMs ?? 5_000);
    this.requester = new Requester(nc, opts.inboxPrefix);
  }

  /** Publishes awaiting their ack. */
  get inFlight(): number {
    return this.requester.inFlight;
  }

  /**
   * Sends one message with `headers` as given (`Nats-Msg-Id` among them for de-duplication);
   * `done` gets the ack or the failure. The hot path: no promise, no timer, no Error.
   */
  send(subject: string, data: Uint8Array, headers: MsgHdrs | undefined, done: PublishDone): void {
    this.requester.send(subject, data, this.timeoutMs, headers, (err, msg) => {
      if (err) return done(publishError(err, subject, this.timeoutMs), undefined);
      let ack: PubAck;
      try {
        ack = parseAck(msg!, subject);
      } catch (e) {
        return done(e instanceof JetStreamPublishError ? e : new JetStreamPublishError(`unreadable JetStream ack for ${subject}: ${String(e)}`, subject, undefined, e), undefined);
      }
      done(undefined, ack);
    });
  }

  /** `send` as a promise. */
  publish(subject: string, data: Uint8Array, headers?: MsgHdrs): Promise<PubAck> {
    return new Promise((resolve, reject) => this.send(subject, data, headers, (err, ack) => (err ? reject(err) : resolve(ack!))));
  }

  /** Fails every publish still awaiting its ack, and every later one; stops listening for acks. */
  close(): void {
    this.requester.close('the publisher was closed');
  }
}

/** The requester's failure, said as a publish's. */
function publishError(err: RequestError, subject: string, timeoutMs: number): JetStreamPublishError {
  if (err instanceof NoRespondersError) return new JetStreamPublishError(`no JetStream stream takes subject ${subject} (no responders)`, subject, 503);
  if (err instanceof RequestTimeoutError) return new JetStreamPublishError(`no JetStream ack for the publish to ${subject} within ${timeoutMs} ms`, subject);
  if (!err.sent) return new JetStreamPublishError(`publish to ${subject} not sent: ${err.reason}`, subject, undefined, err);
  return new JetStreamPublishError(`no JetStream ack for the publish to ${subject}: ${err.reason}`, subject, undefined, err);
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
