import { headers as natsHeaders, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import { headerRecord } from './envelope';
import { NoRespondersError, requesterFor, RequestTimeoutError } from './requester';

/**
 * Commands over core NATS request/reply. A service answers `cmd.<service>.<command>` in a queue
 * group named after the service, so running more copies spreads the load. Replies are envelopes:
 * `{ok: true, data}` or `{ok: false, error: {code, message, details}}`, so a domain refusal
 * crosses the wire as data and each transport maps codes to its own errors (HTTP status, say).
 */
export interface CommandBus {
  readonly nc: NatsConnection;
  subject(s: string): string;
}

export interface CommandErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

export type CommandReply<T = unknown> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly error: CommandErrorBody };

/** No copy of the service that answers this command is running. */
export class ServiceUnavailableError extends Error {
  readonly code = 'SERVICE_UNAVAILABLE';
  constructor(readonly command: string) {
    super(`service unavailable: nothing answers ${command}`);
    this.name = 'ServiceUnavailableError';
  }
}

export class CommandTimeoutError extends Error {
  readonly code = 'COMMAND_TIMEOUT';
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`${command} did not answer within ${timeoutMs} ms`);
    this.name = 'CommandTimeoutError';
  }
}

/** The service answered with a refusal (validation, not found, conflict...). */
export class CommandFailedError extends Error {
  constructor(
    readonly command: string,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'CommandFailedError';
  }
}

/** An error a handler throws on purpose: its code and details reach the caller. */
export class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export interface RequestOptions {
  readonly timeoutMs?: number;
  /** Extra headers, such as the trace context. */
  readonly headers?: Readonly<Record<string, string>>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const encodeJson = (v: unknown): Uint8Array => encoder.encode(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)));
export const decodeJson = <T>(data: Uint8Array): T => (data.length === 0 ? (undefined as T) : (JSON.parse(decoder.decode(data)) as T));

/**
 * A command payload already encoded as JSON (UTF-8), sent as it is: a gateway can forward a
 * client's body without parsing and encoding it again. The receiver parses it as any payload;
 * bytes that are not JSON get the INVALID_PAYLOAD reply.
 */
export class EncodedJson {
  constructor(readonly bytes: Uint8Array) {}
}

const toHeaders = (h: Readonly<Record<string, string>> | undefined): MsgHdrs | undefined => {
  if (!h || Object.keys(h).length === 0) return undefined;
  const out = natsHeaders();
  for (const [k, v] of Object.entries(h)) out.set(k, v);
  return out;
};

/** Sends a command and waits for its reply; throws a typed error for each way it can fail. */
export async function requestCommand<T>(bus: CommandBus, command: string, payload: unknown, opts: RequestOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  let msg: Msg;
  try {
    const data = payload instanceof EncodedJson ? payload.bytes : encodeJson(payload);
    msg = await requesterFor(bus.nc).request(bus.subject(command), data, { timeoutMs, headers: toHeaders(opts.headers) });
  } catch (err) {
    if (err instanceof NoRespondersError) throw new ServiceUnavailableError(command);
    if (err instanceof RequestTimeoutError) throw new CommandTimeoutError(command, timeoutMs);
    throw err;
  }
  const reply = decodeJson<CommandReply<T>>(msg.data);
  if (reply.ok) return reply.data;
  throw new CommandFailedError(command, reply.error.code, reply.error.message, reply.error.details);
}

export interface IncomingCommand {
  readonly command: string;
  readonly payload: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

export type CommandHandler = (cmd: IncomingCommand) => Promise<unknown>;

/** Turns what a handler threw into the reply envelope; unexpected errors hide their internals. */
export const errorReply = (err: unknown): CommandReply<never> => {
  if (err instanceof CommandError) return { ok: false, error: { code: err.code, message: err.message, details: err.details } };
  const coded = err as { code?: unknown; message?: unknown; details?: unknown };
  if (typeof coded?.code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(coded.code)) {
    return { ok: false, error: { code: coded.code, message: String(coded.message ?? coded.code), details: coded.details } };
  }
  return { ok: false, error: { code: 'INTERNAL', message: 'internal error' } };
};

/** Serves commands in the service's queue group. Returns the subscriptions, to drain on shutdown. */
export function serveCommands(
  bus: CommandBus,
  queue: string,
  handlers: ReadonlyMap<string, CommandHandler>,
  onError?: (command: string, err: unknown) => void,
): Subscription[] {
  return [...handlers].map(([command, handler]) =>
    bus.nc.subscribe(bus.subject(command), {
      queue,
      callback: (err, msg) => {
        if (err) return onError?.(command, err);
        void (async () => {
          let reply: CommandReply;
          let payload: unknown;
          try {
            payload = decodeJson(msg.data);
          } catch {
            msg.respond(encodeJson(errorReply(new CommandError('INVALID_PAYLOAD', 'the command payload is not valid JSON'))));
            return;
          }
          try {
            const data = await handler({ command, payload, headers: headerRecord(msg.headers) });
            reply = { ok: true, data: data ?? null };
          } catch (e) {
            reply = errorReply(e);
            if (reply.ok === false && reply.error.code === 'INTERNAL') onError?.(command, e);
          }
          msg.respond(encodeJson(reply));
        })();
      },
    }),
  );
}
