import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CommandError, decodeJson, encodeJson, requestCommand } from '@outcomes/bus';
import {
  BRIDGE_SUBJECTS,
  CATALOG_COMMANDS,
  CHANGE_NOTICES,
  ENGINE_SUBJECTS,
  engineFacingConfig,
  FINAL_EXECUTION_KINDS,
  isUsd,
  engineFeedbackSubject,
  type Award,
  type AwardResponse,
  type BidRequest,
  type BidRequestBatch,
  type BidResponse,
  type BidResponseBatch,
  type ClaimNotice,
  type ClaimNoticeReply,
  type ConfigurationUpdate,
  type ConfigView,
  type ExecutionCallback,
  type ExecutionReportDto,
  type LossNotice,
  type LossNoticeBatch,
  type PerformanceFeedback,
  type RedeemCredentialResponse,
} from '@outcomes/contracts';
import { BackgroundWork, ExpiringCache, postSigned, type Sealer, type ServiceRuntime } from '@outcomes/platform';
import type { Msg, Subscription } from '@nats-io/nats-core';
import jsonPatch from 'fast-json-patch';
import type { EngineGatewayConfig } from '../config';
import { EnginesService, type LiveEngine } from '../engines/engines.service';
import { BRIDGE_CONFIG, RUNTIME, SEALER } from '../tokens';
import { issueCallbackToken, readCallbackToken } from './callback-token';

/** The endpoints a webhook engine implements, relative to its registered URL. */
export const WEBHOOK_PATHS = {
  bid: '/bid-request',
  award: '/accept-award',
  loss: '/loss-notice',
  configuration: '/configuration-updated',
  feedback: '/performance-feedback',
  claim: '/claim-filed',
} as const;

/** The configuration as an award carried it, less the credential references (those belong to that award alone). */
const withoutRefs = (c: ReturnType<typeof engineFacingConfig<Award>>) => ({
  ...c,
  context_sources: Array.isArray(c.context_sources) ? (c.context_sources as Array<Record<string, unknown>>).map(({ credentials_ref: _ref, ...rest }) => rest) : c.context_sources,
});

interface Target {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly secret: string | undefined;
}

/**
 * The engines' side of the auction for engines that speak HTTPS (seed 004's protocol, adapted to
 * outcomes). The auction addresses every engine over NATS; for a webhook engine those subjects are
 * served here, in the gateway's queue group, and each message becomes a signed call to the engine:
 * bid request, award (acknowledged or declined), loss notice. The engine reports its execution back
 * through the API gateway with the callback token its award carried; configuration changes reach it
 * as JSON Patch and, periodically, feedback on how its outcomes went.
 */
@Injectable()
export class WebhookBridge implements OnModuleInit, OnModuleDestroy {
  private subs: Subscription[] = [];
  /**
   * Each engine's endpoint, auth headers and signing secret, kept for a few seconds: a bid request
   * would otherwise read the engine's stream and open its sealed credentials every time. An engine
   * change drops the entry at once (the registry's change notice).
   */
  private readonly targets = new ExpiringCache<string, Target | undefined>(5_000);
  private readonly work: BackgroundWork;

  constructor(
    @Inject(RUNTIME) private readonly rt: ServiceRuntime,
    @Inject(SEALER) private readonly sealer: Sealer,
    @Inject(BRIDGE_CONFIG) private readonly config: EngineGatewayConfig,
    private readonly engines: EnginesService,
  ) {
    this.work = new BackgroundWork(rt.logger, 'webhook bridge work');
  }

  onModuleInit(): void {
    const serve = (kind: 'bid' | 'award' | 'notice', handle: (engineId: string, msg: Msg) => Promise<void>) => {
      const prefix = this.rt.bus.subject('');
      return this.rt.bus.nc.subscribe(this.rt.bus.subject(BRIDGE_SUBJECTS.all(kind)), {
        queue: 'engine-gateway',
        callback: (err, msg) => {
          if (err) return;
          const engineId = msg.subject.slice(prefix.length).split('.')[1]!;
          this.work.run(handle(engineId, msg));
        },
      });
    };
    this.subs = [
      this.rt.bus.nc.subscribe(this.rt.bus.subject(CHANGE_NOTICES.engine), {
        callback: (err, msg) => {
          if (err) return;
          const { engine_id: id } = decodeJson<{ engine_id: string }>(msg.data);
          this.targets.deleteWhere((engineId) => engineId === id);
        },
      }),
      // A batch of bid requests: one call each, all at once, answered together in order.
      serve('bid', async (id, msg) => {
        const { requests } = decodeJson<BidRequestBatch>(msg.data);
        msg.respond(encodeJson({ responses: await Promise.all(requests.map((r) => this.bid(id, r))) } satisfies BidResponseBatch));
      }),
      serve('award', async (id, msg) => {
        msg.respond(encodeJson(await this.award(id, decodeJson<Award>(msg.data))));
      }),
      serve('notice', async (id, msg) => {
        await Promise.all(decodeJson<LossNoticeBatch>(msg.data).notices.map((n) => this.notice(id, n)));
      }),
      // Every engine's feedback passes here; webhook engines' is posted on (one copy each, by the queue group).
      this.rt.bus.nc.subscribe(this.rt.bus.subject(engineFeedbackSubject('*')), {
        queue: 'engine-gateway',
        callback: (err, msg) => {
          if (err) return;
          const feedback = decodeJson<PerformanceFeedback>(msg.data);
          this.work.run(this.feedback(feedback.engine_id, feedback));
        },
      }),
    ];
  }

  async onModuleDestroy(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    await this.work.settled();
  }

  /** One call within the auction's `tmax` (less a margin for the way back); no retry, the auction will not wait. */
  async bid(engineId: string, request: BidRequest): Promise<BidResponse> {
    const target = await this.target(engineId);
    if (!target) return { decline: 'not a webhook engine' };
    try {
      const res = await postSigned({ ...this.call(target, WEBHOOK_PATHS.bid, `bid:${request.outcome_id}`, request), timeoutMs: Math.max(10, request.tmax_ms - 30), attempts: 1 });
      const answer = JSON.parse(res.text) as { price?: unknown; decline?: unknown };
      if (typeof answer.price === 'string' && isUsd(answer.price)) return { price: answer.price };
      return { decline: typeof answer.decline === 'string' ? answer.decline.slice(0, 500) : 'the engine answered without a price' };
    } catch (err) {
      return { decline: `no bid: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  /**
   * Offers the award with a callback for the engine's reports. Only an explicit
   * `{"acknowledged": true}` accepts it; anything else, or no answer after the retries, declines it.
   */
  async award(engineId: string, award: Award): Promise<AwardResponse> {
    const target = await this.target(engineId);
    if (!target) return { acknowledged: false, reason: 'not a webhook engine' };
    const expiresAt = new Date(Date.now() + this.config.callbackTtlSeconds * 1000);
    const callback: ExecutionCallback = {
      url: `${this.config.publicUrl.replace(/\/$/, '')}/v1/engine-callbacks/outcomes/${award.outcome_id}/events`,
      token: issueCallbackToken(this.sealer, { engineId, outcomeId: award.outcome_id, expiresAt }),
      expires_at: expiresAt.toISOString(),
    };
    let answer: { acknowledged?: unknown; reason?: unknown };
    try {
      const res = await postSigned({ ...this.call(target, WEBHOOK_PATHS.award, `award:${award.outcome_id}:${engineId}`, { ...award, callback }), ...this.retrying() });
      answer = JSON.parse(res.text) as typeof answer;
    } catch (err) {
      return { acknowledged: false, reason: `the engine did not take the award: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (answer.acknowledged !== true) return { acknowledged: false, reason: typeof answer.reason === 'string' ? answer.reason.slice(0, 500) : 'declined without a reason' };
    const maxLatency = Number((award.delivery_constraints as { max_latency_seconds?: unknown } | null)?.max_latency_seconds ?? 3600);
    await this.rt.pool.query(
      `INSERT INTO engines.webhook_awards (outcome_id, engine_id, buyer_id, config_id, outcome_type, awarded_at, max_latency_seconds) VALUES ($1, $2, $3, $4, $5, now(), $6)
       ON CONFLICT (outcome_id) DO UPDATE SET engine_id = EXCLUDED.engine_id, awarded_at = EXCLUDED.awarded_at, ended_kind = NULL, ended_at = NULL`,
      [award.outcome_id, engineId, award.buyer_id, award.config_id, award.outcome_type, maxLatency],
    );
    await this.rt.pool.query(
      `INSERT INTO engines.webhook_config_views (engine_id, config_id, config_version, view) VALUES ($1, $2, $3, $4)
       ON CONFLICT (engine_id, config_id) DO UPDATE SET config_version = EXCLUDED.config_version, view = EXCLUDED.view WHERE engines.webhook_config_views.config_version <= EXCLUDED.config_version`,
      [engineId, award.config_id, award.config_version, JSON.stringify(withoutRefs(engineFacingConfig(award)))],
    );
    return { acknowledged: true };
  }

  /** A claim against the engine's work; its reply may carry its answer. Throws when the engine cannot be reached after the retries. */
  async claimFiled(engineId: string, notice: ClaimNotice): Promise<ClaimNoticeReply> {
    const target = await this.target(engineId);
    if (!target) return {};
    const res = await postSigned({ ...this.call(target, WEBHOOK_PATHS.claim, `claim:${notice.claim_id}`, notice), ...this.retrying() });
    try {
      return (JSON.parse(res.text) as ClaimNoticeReply | null) ?? {};
    } catch {
      return {};
    }
  }

  async notice(engineId: string, notice: LossNotice): Promise<void> {
    const target = await this.target(engineId);
    if (!target) return;
    await postSigned({ ...this.call(target, WEBHOOK_PATHS.loss, `loss:${notice.outcome_id}:${engineId}`, notice), ...this.retrying() }).catch((err: unknown) =>
      this.rt.logger.warn({ engineId, outcomeId: notice.outcome_id, err: String(err) }, 'a loss notice did not reach a webhook engine'),
    );
  }

  /**
   * A webhook engine's execution reports, as the API gateway passes them on: the token must be the
   * one its award carried, for this outcome. They go to the auction on the engine's own subjects,
   * exactly as a NATS engine's would.
   */
  async report(token: string, outcomeId: string, events: readonly ExecutionReportDto[]): Promise<{ accepted: number }> {
    const grant = readCallbackToken(this.sealer, token, new Date());
    if ('refused' in grant) throw new CommandError('UNAUTHENTICATED', `the callback token ${grant.refused}`);
    if (grant.outcomeId !== outcomeId) throw new CommandError('FORBIDDEN', `this callback token is for outcome ${grant.outcomeId}, not ${outcomeId}`);
    const ordered = [...events].sort((a, b) => a.seq - b.seq);
    const sentAt = new Date().toISOString();
    for (const { kind, ...payload } of ordered) {
      this.rt.bus.nc.publish(this.rt.bus.subject(ENGINE_SUBJECTS.execution(grant.engineId, outcomeId, kind)), encodeJson({ ...payload, sent_at: sentAt }));
    }
    await this.rt.bus.nc.flush();
    const final = ordered.find((e) => FINAL_EXECUTION_KINDS.includes(e.kind));
    if (final) await this.rt.pool.query(`UPDATE engines.webhook_awards SET ended_kind = $2, ended_at = now() WHERE outcome_id = $1 AND engine_id = $3 AND ended_at IS NULL`, [outcomeId, final.kind, grant.engineId]);
    return { accepted: ordered.length };
  }

  /** A webhook engine redeems a credential reference of its award: as itself, which its callback token proves. */
  async redeemCredential(token: string, ref: string): Promise<{ credentials: Record<string, string> }> {
    const grant = readCallbackToken(this.sealer, token, new Date());
    if ('refused' in grant) throw new CommandError('UNAUTHENTICATED', `the callback token ${grant.refused}`);
    const msg = await this.rt.bus.nc.request(this.rt.bus.subject(ENGINE_SUBJECTS.redeemCredential(grant.engineId)), encodeJson({ ref }), { timeout: 5000 });
    const answer = decodeJson<RedeemCredentialResponse>(msg.data);
    if ('error' in answer) throw new CommandError('FORBIDDEN', answer.error, { field: 'ref', reason: answer.error });
    return answer;
  }

  /**
   * A configuration changed: each webhook engine that worked under it gets the new configuration and
   * the JSON Patch from the one it last received. A redelivered event finds nothing to patch. An
   * engine that cannot be reached fails the handler, so the consumer retries it later.
   */
  async configChanged(configId: string): Promise<number> {
    const { rows } = await this.rt.pool.query<{ engine_id: string; buyer_id: string; config_version: number; view: object }>(
      `SELECT v.engine_id, v.config_version, v.view, (SELECT buyer_id FROM engines.webhook_awards a WHERE a.config_id = v.config_id LIMIT 1) AS buyer_id
         FROM engines.webhook_config_views v WHERE v.config_id = $1`,
      [configId],
    );
    if (rows.length === 0) return 0;
    const config = await requestCommand<ConfigView>(this.rt.bus, CATALOG_COMMANDS.getConfig, { buyer_id: rows[0]!.buyer_id, config_id: configId });
    const next = JSON.parse(JSON.stringify(engineFacingConfig(config))) as object;
    let sent = 0;
    for (const row of rows) {
      if (row.config_version >= config.version) continue;
      const target = await this.target(row.engine_id);
      if (!target) continue;
      const update: ConfigurationUpdate = { config_id: configId, config_version: config.version, configuration: next as ConfigurationUpdate['configuration'], patch: jsonPatch.compare(row.view, next) };
      await postSigned({ ...this.call(target, WEBHOOK_PATHS.configuration, `config:${configId}:${config.version}:${row.engine_id}`, update), ...this.retrying() });
      await this.rt.pool.query(`UPDATE engines.webhook_config_views SET config_version = $3, view = $4 WHERE engine_id = $1 AND config_id = $2 AND config_version < $3`, [
        row.engine_id,
        configId,
        config.version,
        JSON.stringify(next),
      ]);
      sent++;
    }
    return sent;
  }

  /** The delivery optimizer's feedback to a webhook engine, posted on (NATS engines read it themselves). */
  private async feedback(engineId: string, feedback: PerformanceFeedback): Promise<void> {
    const target = await this.target(engineId);
    if (!target) return;
    await postSigned({ ...this.call(target, WEBHOOK_PATHS.feedback, `feedback:${engineId}:${feedback.outcome_type}:${feedback.end_date}`, feedback), ...this.retrying() }).catch((err: unknown) =>
      this.rt.logger.warn({ engineId, err: String(err) }, 'performance feedback did not reach a webhook engine'),
    );
  }

  private target(engineId: string): Promise<Target | undefined> {
    return this.targets.get(engineId, () => this.loadTarget(engineId));
  }

  /** The engine's endpoint, its credentials as the auth it registered, and its signing secret; undefined unless it is a webhook engine. */
  private async loadTarget(engineId: string): Promise<Target | undefined> {
    let engine: LiveEngine;
    try {
      engine = await this.engines.get(engineId);
    } catch {
      return undefined;
    }
    const t = engine.profile.transport;
    if (t.type !== 'webhook') return undefined;
    const creds = this.sealer.unseal(t.credentials);
    const headers: Record<string, string> = {};
    if (t.auth === 'api_key') headers['x-api-key'] = creds['api_key'] ?? Object.values(creds)[0] ?? '';
    if (t.auth === 'bearer') headers['authorization'] = `Bearer ${creds['token'] ?? Object.values(creds)[0] ?? ''}`;
    if (t.auth === 'basic') headers['authorization'] = `Basic ${Buffer.from(`${creds['username'] ?? ''}:${creds['password'] ?? ''}`).toString('base64')}`;
    const secret = t.signingSecret ? this.sealer.unseal(t.signingSecret)['secret'] : Object.values(creds)[0];
    return { url: t.endpointUrl.replace(/\/$/, ''), headers, secret };
  }

  private call(target: Target, path: string, idempotencyKey: string, body: unknown) {
    return { url: `${target.url}${path}`, body, idempotencyKey, headers: target.headers, ...(target.secret ? { secret: target.secret } : {}) };
  }

  private retrying() {
    return { timeoutMs: this.config.webhookTimeoutMs, attempts: this.config.webhookAttempts, backoffMs: 250 };
  }
}
