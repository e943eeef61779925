/**
 * @outcomes/sdk: run outcomes under a configuration you launched in the dashboard or the API, and
 * stream what the winning engine does. No dependencies: it needs only the `fetch` of Node 20+.
 *
 *   const client = new OutcomesClient('cfg_…', { apiKey: process.env.OUTCOMES_API_KEY! });
 *   for await (const event of client.run('Customer 42 says: where is my order?')) {
 *     if (event.type === 'assistant') process.stdout.write(event.content);
 *     if (event.type === 'complete') console.log('done', event.outcomeId);
 *   }
 */

export type OutcomeEvent =
  | { readonly type: 'requested'; readonly outcomeId: string }
  | { readonly type: 'awarded'; readonly outcomeId: string; readonly engine: { readonly id: string; readonly name: string }; readonly price: string }
  | { readonly type: 'assistant'; readonly outcomeId: string; readonly content: string }
  | { readonly type: 'tool_call'; readonly outcomeId: string; readonly name: string; readonly arguments: unknown }
  | { readonly type: 'checkpoint'; readonly outcomeId: string; readonly progressPercent: number; readonly phase: string; readonly estimatedCompletionSeconds: number | null }
  | { readonly type: 'complete'; readonly outcomeId: string; readonly result: unknown; readonly artifacts: ReadonlyArray<{ readonly name: string; readonly sha256: string }> }
  | { readonly type: 'escalated'; readonly outcomeId: string; readonly trigger: string; readonly details: string }
  | { readonly type: 'failed'; readonly outcomeId: string; readonly reason: string };

export interface ClientOptions {
  readonly apiKey: string;
  /** Default http://127.0.0.1:3000 (a local `npm start`). */
  readonly baseUrl?: string;
  readonly fetch?: typeof fetch;
}

/** An answer of the API that is not a success: its status, code, message and the fields at fault. */
export class OutcomesError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: ReadonlyArray<{ readonly field: string; readonly reason: string }> = [],
  ) {
    super(message);
    this.name = 'OutcomesError';
  }
}

export interface ConversionReport {
  readonly outcomeId?: string;
  readonly sessionId?: string;
  readonly success: boolean;
  /** Value of the outcome to you, in USD (for ROAS goals). */
  readonly outcomeValue?: number;
  /** Your id for this report; a repeat with the same id is acknowledged and not counted twice. Default: a new UUID. */
  readonly eventId?: string;
  /** When you observed it; default now. */
  readonly eventTime?: Date;
}

/** The Conversions API's answer to one report. */
export interface ConversionReceipt {
  readonly eventId: string;
  /** `accepted`, or `duplicate` when this event id was reported before. */
  readonly status: 'accepted' | 'duplicate';
}

interface SseMessage {
  readonly id: number;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

const FINAL = new Set(['complete', 'escalated', 'failed']);

export class OutcomesClient {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;

  constructor(
    readonly configId: string,
    private readonly options: ClientOptions,
  ) {
    this.baseUrl = (options.baseUrl ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** Requests an outcome and yields its execution until it completes, escalates or fails. */
  async *run(input: unknown, options: { readonly metadata?: Record<string, string> } = {}): AsyncGenerator<OutcomeEvent, void, undefined> {
    const created = await this.call<{ id: string }>('POST', '/v1/outcomes', { config_id: this.configId, input, ...(options.metadata ? { metadata: options.metadata } : {}) });
    yield* this.follow(created.id);
  }

  /** The events of an outcome you already requested (replays what happened, then follows it). */
  async *follow(outcomeId: string): AsyncGenerator<OutcomeEvent, void, undefined> {
    let lastId = 0;
    for (let reconnects = 0; reconnects < 5; reconnects++) {
      const res = await this.fetch(`${this.baseUrl}/v1/outcomes/${encodeURIComponent(outcomeId)}/events`, {
        headers: { authorization: `Bearer ${this.options.apiKey}`, accept: 'text/event-stream', ...(lastId > 0 ? { 'last-event-id': String(lastId) } : {}) },
      });
      if (!res.ok || !res.body) throw await this.error(res);
      try {
        for await (const message of parseSse(res.body)) {
          lastId = message.id;
          const event = toEvent(outcomeId, message);
          if (event) yield event;
          if (FINAL.has(message.event)) return;
        }
      } catch {
        // The connection dropped: resume after the last event seen.
      }
    }
    throw new OutcomesError(0, 'stream_lost', `lost the event stream of ${outcomeId} five times; follow(${JSON.stringify(outcomeId)}) resumes it`);
  }

  /** A multi-turn conversation: every turn after the first goes to the engine that won the first. */
  session(): Session {
    return new Session(this.configId, (method, path, body) => this.call(method, path, body), (id) => this.follow(id));
  }

  /**
   * Reports what you observed after the fact through the Conversions API: success or failure, and
   * optionally the outcome's value. Safe to retry with the same `eventId`.
   */
  async reportConversion(report: ConversionReport): Promise<ConversionReceipt> {
    if (!report.outcomeId && !report.sessionId) throw new OutcomesError(0, 'validation_failed', 'reportConversion needs an outcomeId or a sessionId', [{ field: 'outcomeId', reason: 'or sessionId is required' }]);
    if (report.outcomeValue !== undefined && !(Number.isFinite(report.outcomeValue) && report.outcomeValue >= 0)) {
      throw new OutcomesError(0, 'validation_failed', 'outcomeValue must be a finite amount of USD, at least 0', [{ field: 'outcomeValue', reason: 'must be a finite number >= 0' }]);
    }
    const body = {
      event_id: report.eventId ?? globalThis.crypto.randomUUID(),
      event_type: report.success ? 'outcome.success' : 'outcome.failure',
      event_time: (report.eventTime ?? new Date()).toISOString(),
      ...(report.outcomeId ? { outcome_id: report.outcomeId } : { session_id: report.sessionId }),
      ...(report.outcomeValue === undefined ? {} : { outcome_value: { amount: report.outcomeValue.toFixed(2), currency: 'USD' } }),
      source: 'self_report',
    };
    const answer = await this.call<{ event_id: string; status: 'accepted' | 'duplicate' }>('POST', '/v1/events', body);
    return { eventId: answer.event_id, status: answer.status };
  }

  private async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.options.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw await this.error(res);
    return (await res.json()) as T;
  }

  private async error(res: Response): Promise<OutcomesError> {
    const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string; fields?: Array<{ field: string; reason: string }> } } | undefined;
    return new OutcomesError(res.status, body?.error?.code ?? 'http_error', body?.error?.message ?? `HTTP ${res.status}`, body?.error?.fields ?? []);
  }
}

export type SessionStatus = 'new' | 'active' | 'resolved' | 'escalated' | 'failed';

export class Session {
  private sessionId: string | null = null;
  private current: SessionStatus = 'new';

  constructor(
    private readonly configId: string,
    private readonly call: <T>(method: string, path: string, body?: unknown) => Promise<T>,
    private readonly follow: (outcomeId: string) => AsyncGenerator<OutcomeEvent, void, undefined>,
  ) {}

  /** Null until the first turn starts the session. */
  get id(): string | null {
    return this.sessionId;
  }

  /** `active` while the engine keeps the conversation open; `resolved`, `escalated` or `failed` once it ends. */
  get status(): SessionStatus {
    return this.current;
  }

  async *run(message: unknown): AsyncGenerator<OutcomeEvent, void, undefined> {
    if (this.sessionId === null) {
      const started = await this.call<{ id: string; status: SessionStatus }>('POST', '/v1/sessions', { config_id: this.configId });
      this.sessionId = started.id;
      this.current = started.status;
    }
    const turn = await this.call<{ id: string }>('POST', `/v1/sessions/${encodeURIComponent(this.sessionId)}/turns`, { input: message });
    yield* this.follow(turn.id);
    // The turn's end and the session's are recorded together; read where the session stands now.
    this.current = (await this.call<{ status: SessionStatus }>('GET', `/v1/sessions/${encodeURIComponent(this.sessionId)}`)).status;
  }
}

function toEvent(outcomeId: string, m: SseMessage): OutcomeEvent | undefined {
  const d = m.data;
  switch (m.event) {
    case 'requested':
      return { type: 'requested', outcomeId };
    case 'awarded':
      return { type: 'awarded', outcomeId, engine: d['engine'] as { id: string; name: string }, price: String(d['price']) };
    case 'assistant':
      return { type: 'assistant', outcomeId, content: String(d['content'] ?? '') };
    case 'tool_call':
      return { type: 'tool_call', outcomeId, name: String(d['name']), arguments: d['arguments'] };
    case 'checkpoint':
      return { type: 'checkpoint', outcomeId, progressPercent: Number(d['progress_percent']), phase: String(d['phase']), estimatedCompletionSeconds: (d['estimated_completion_seconds'] as number | null) ?? null };
    case 'complete':
      return { type: 'complete', outcomeId, result: d['result'], artifacts: (d['artifacts'] as Array<{ name: string; sha256: string }>) ?? [] };
    case 'escalated':
      return { type: 'escalated', outcomeId, trigger: String(d['trigger']), details: String(d['details']) };
    case 'failed':
      return { type: 'failed', outcomeId, reason: String(d['reason']) };
    default:
      return undefined;
  }
}

/** Server-Sent Events from a response body: `id:`, `event:` and `data:` lines, blocks split by a blank line. */
async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        if (colon > 0) fields[line.slice(0, colon)] = (fields[line.slice(0, colon)] ?? '') + line.slice(colon + 1).trimStart();
      }
      if (fields['event'] && fields['data'] !== undefined) yield { id: Number(fields['id'] ?? 0), event: fields['event'], data: JSON.parse(fields['data']) as Record<string, unknown> };
    }
  }
}
