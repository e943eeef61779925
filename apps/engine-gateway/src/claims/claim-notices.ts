import { Inject, Injectable } from '@nestjs/common';
import { CommandFailedError, decodeJson, encodeJson, requestCommand } from '@outcomes/bus';
import { CLAIM_COMMANDS, ENGINE_SUBJECTS, formatUsd, type ClaimNotice, type ClaimNoticeReply } from '@outcomes/contracts';
import { EngineRejected } from '@outcomes/domain-engines';
import { claimDisplayId } from '@outcomes/domain-settlement';
import type { ServiceRuntime } from '@outcomes/platform';
import type { EngineGatewayConfig } from '../config';
import { EnginesService } from '../engines/engines.service';
import { BRIDGE_CONFIG, RUNTIME } from '../tokens';
import { WebhookBridge } from '../webhooks/bridge.service';

/** What `ClaimFiled` carries that an engine is told. */
export interface ClaimFiledData {
  readonly claimId: string;
  readonly number: number;
  readonly basis: { readonly outcomeId: string; readonly engineId: string };
  readonly claimType: string;
  readonly description: string;
  readonly requestedMicros: number;
  readonly at: string;
}

/**
 * Tells an engine of each claim filed against its work and adds its answer to the claim as the
 * engine's evidence, before the operator decides. A NATS engine is asked on `engine.<id>.claim`,
 * a webhook engine by `POST /claim-filed`; either way the reply is the answer. The answer's
 * evidence id is the claim's own, so a notice delivered again adds nothing twice. An engine that
 * cannot be reached makes the handler fail, and the consumer tries again with backoff.
 */
@Injectable()
export class ClaimNotices {
  constructor(
    @Inject(RUNTIME) private readonly rt: ServiceRuntime,
    @Inject(BRIDGE_CONFIG) private readonly config: EngineGatewayConfig,
    private readonly engines: EnginesService,
    private readonly bridge: WebhookBridge,
  ) {}

  async deliver(d: ClaimFiledData): Promise<void> {
    const engineId = d.basis.engineId;
    const engine = await this.engines.get(engineId).catch((err: unknown) => {
      if (err instanceof EngineRejected && err.code === 'NOT_FOUND') return undefined;
      throw err; // the registry did not answer: the consumer tries again
    });
    if (!engine) {
      this.rt.logger.warn({ claimId: d.claimId, engineId }, 'a claim names an engine that is not registered');
      return;
    }
    const notice: ClaimNotice = {
      claim_id: d.claimId,
      display_id: claimDisplayId(d.number),
      outcome_id: d.basis.outcomeId,
      claim_type: d.claimType,
      description: d.description,
      requested_amount: formatUsd(d.requestedMicros),
      filed_at: d.at,
    };
    const reply = engine.profile.transport.type === 'webhook' ? await this.bridge.claimFiled(engineId, notice) : await this.ask(engineId, notice);
    const answer = reply?.answer;
    if (!answer) return;
    try {
      await requestCommand(this.rt.bus, CLAIM_COMMANDS.addEvidence, { claim_id: d.claimId, by: 'engine', kind: answer.kind, description: answer.description, evidence_id: `evd_answer_${d.claimId.slice(4)}` });
    } catch (err) {
      // Malformed (the claims service checks kind and description), or decided or withdrawn before
      // the engine answered: either way final, so not tried again.
      if (err instanceof CommandFailedError && (err.code === 'VALIDATION_FAILED' || err.code === 'RULE_VIOLATION')) {
        this.rt.logger.warn({ claimId: d.claimId, engineId, reason: err.message }, 'an engine’s answer to a claim was not taken');
      } else throw err;
    }
  }

  private async ask(engineId: string, notice: ClaimNotice): Promise<ClaimNoticeReply> {
    const msg = await this.rt.bus.nc.request(this.rt.bus.subject(ENGINE_SUBJECTS.claim(engineId)), encodeJson(notice), { timeout: this.config.webhookTimeoutMs });
    return decodeJson<ClaimNoticeReply>(msg.data) ?? {};
  }
}
