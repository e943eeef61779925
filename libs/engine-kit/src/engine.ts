import { decodeJson, encodeJson, type Bus } from '@outcomes/bus';
import { ENGINE_SUBJECTS, formatUsd, type Award, type CredentialRef, type RedeemCredentialResponse, type AwardResponse, type BidRequest, type BidRequestBatch, type BidResponse, type BidResponseBatch, type ClaimNotice, type ClaimNoticeReply, type ExecutionKind, type ExecutionPayloads, type LossNotice, type LossNoticeBatch, type PerformanceFeedback } from '@outcomes/contracts';

/** What an engine streams while it works on an awarded outcome; exactly one of the last three ends it. */
export class Execution {
  private ended = false;
  /** Numbers each report, so the marketplace applies them in order whichever copy receives them. */
  private seq = 0;

  constructor(
    private readonly bus: Bus,
    private readonly engineId: string,
    readonly award: Award,
  ) {}

  message(content: string): void {
    this.send('message', { role: 'assistant', content });
  }

  toolCall(name: string, args: unknown): void {
    this.send('tool_call', { name, arguments: args });
  }

  checkpoint(progressPercent: number, phase: string, estimatedCompletionSeconds: number | null = null): void {
    this.send('checkpoint', { progress_percent: progressPercent, phase, estimated_completion_seconds: estimatedCompletionSeconds });
  }

  /**
   * The credentials of a context source of the award, exchanged for the short-lived reference the
   * award carries (connect with `inboxPrefix: engineInboxPrefix(engineId)` when NATS runs with accounts).
   */
  async credentials(sourceName: string): Promise<Record<string, string>> {
    const sources = (this.award.context_sources ?? []) as Array<{ name: string; credentials_ref?: CredentialRef }>;
    const ref = sources.find((s) => s.name === sourceName)?.credentials_ref;
    if (!ref) throw new Error(`the award has no credentials for context source ${sourceName}`);
    const msg = await this.bus.nc.request(this.bus.subject(ENGINE_SUBJECTS.redeemCredential(this.engineId)), encodeJson({ ref: ref.ref }), { timeout: 5000 });
    const answer = decodeJson<RedeemCredentialResponse>(msg.data);
    if ('error' in answer) throw new Error(`credentials for ${sourceName}: ${answer.error}`);
    return answer.credentials;
  }

  /** `keepSessionOpen`: in a multi-turn session, this turn is answered but the conversation goes on. */
  complete(result: unknown, artifacts: ExecutionPayloads['completed']['artifacts'] = [], options: { readonly keepSessionOpen?: boolean } = {}): Promise<void> {
    return this.finish('completed', { result, artifacts, ...(options.keepSessionOpen ? { session_open: true } : {}) });
  }

  escalate(e: ExecutionPayloads['escalated']): Promise<void> {
    return this.finish('escalated', e);
  }

  fail(reason: string): Promise<void> {
    return this.finish('failed', { reason });
  }

  private send<K extends ExecutionKind>(kind: K, payload: ExecutionPayloads[K]): void {
    if (this.ended) throw new Error(`outcome ${this.award.outcome_id} has already ended`);
    this.bus.nc.publish(this.bus.subject(ENGINE_SUBJECTS.execution(this.engineId, this.award.outcome_id, kind)), encodeJson({ ...payload, seq: ++this.seq, sent_at: new Date().toISOString() }));
  }

  /** The final event is flushed: when this resolves, the server has it. */
  private async finish<K extends ExecutionKind>(kind: K, payload: ExecutionPayloads[K]): Promise<void> {
    this.send(kind, payload);
    this.ended = true;
    await this.bus.nc.flush();
  }
}

export interface EngineBehaviour {
  /** A price in micro-dollars, or a reason to decline. */
  bid(request: BidRequest): Promise<{ priceMicros: number } | { decline: string }> | { priceMicros: number } | { decline: string };
  /** Accept (return true and work on `execution`, not awaited by the marketplace) or decline with a reason. */
  award(execution: Execution): Promise<true | { decline: string }> | true | { decline: string };
  loss?(notice: LossNotice): void;
  /** The delivery optimizer's feedback on the engine's work per outcome type (delivery and performance indices). */
  feedback?(feedback: PerformanceFeedback): void;
  /**
   * A claim filed against the engine's work. What it returns is its answer, added to the claim as
   * the engine's evidence before the operator decides; undefined answers nothing.
   */
  claim?(notice: ClaimNotice): Promise<{ kind: string; description: string } | undefined> | { kind: string; description: string } | undefined;
}

export interface RunningEngine {
  stop(): Promise<void>;
}

/**
 * An engine on NATS in a few lines: answer bid requests, accept awards, stream the work. The
 * engine's connection should carry credentials that only allow its own subjects.
 */
export function runEngine(bus: Bus, engineId: string, behaviour: EngineBehaviour): RunningEngine {
  const subs = [
    // Bid requests come in batches: every request is answered, in order, in one reply.
    bus.nc.subscribe(bus.subject(ENGINE_SUBJECTS.bidRequest(engineId)), {
      callback: (err, msg) => {
        if (err) return;
        const answerOne = async (request: BidRequest): Promise<BidResponse> => {
          try {
            const answer = await behaviour.bid(request);
            return 'priceMicros' in answer ? { price: formatUsd(answer.priceMicros) } : { decline: answer.decline };
          } catch {
            return { decline: 'engine error' };
          }
        };
        // A batch that cannot be read gets no reply (the auction counts its requests late); it must not throw into the client.
        void Promise.resolve()
          .then(() => Promise.all(decodeJson<BidRequestBatch>(msg.data).requests.map(answerOne)))
          .then((responses) => msg.respond(encodeJson({ responses } satisfies BidResponseBatch)))
          .catch(() => undefined);
      },
    }),
    bus.nc.subscribe(bus.subject(ENGINE_SUBJECTS.award(engineId)), {
      callback: (err, msg) => {
        if (err) return;
        void (async () => {
          const verdict = await behaviour.award(new Execution(bus, engineId, decodeJson<Award>(msg.data)));
          const body: AwardResponse = verdict === true ? { acknowledged: true } : { acknowledged: false, reason: verdict.decline };
          msg.respond(encodeJson(body));
        })().catch((e: unknown) => msg.respond(encodeJson({ acknowledged: false, reason: String(e) } satisfies AwardResponse)));
      },
    }),
    bus.nc.subscribe(bus.subject(ENGINE_SUBJECTS.notice(engineId)), {
      callback: (err, msg) => {
        if (!err) for (const notice of decodeJson<LossNoticeBatch>(msg.data).notices) behaviour.loss?.(notice);
      },
    }),
    bus.nc.subscribe(bus.subject(ENGINE_SUBJECTS.claim(engineId)), {
      callback: (err, msg) => {
        if (err) return;
        void (async () => {
          const answer = await behaviour.claim?.(decodeJson<ClaimNotice>(msg.data));
          msg.respond(encodeJson((answer ? { answer } : {}) satisfies ClaimNoticeReply));
        })().catch(() => msg.respond(encodeJson({} satisfies ClaimNoticeReply)));
      },
    }),
    bus.nc.subscribe(bus.subject(ENGINE_SUBJECTS.feedback(engineId)), {
      callback: (err, msg) => {
        if (!err) behaviour.feedback?.(decodeJson<PerformanceFeedback>(msg.data));
      },
    }),
  ];
  return {
    async stop() {
      for (const s of subs) s.unsubscribe();
      await bus.nc.flush();
    },
  };
}
