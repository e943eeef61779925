import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { AddEvidenceCommand, CheckClaimsCommand, CLAIM_COMMANDS, type CheckClaimsAnswer, ClaimRefCommand, DecideClaimCommand, FileClaimCommand, formatUsd, OutcomeClaimsCommand, parseUsd, StartReviewCommand, WithdrawClaimCommand } from '@outcomes/contracts';
import { claimDisplayId } from '@outcomes/domain-settlement';
import { ClaimsService, type LiveClaim } from './claims.service';

export const claimView = (c: LiveClaim) => ({
  id: c.claimId,
  object: 'claim' as const,
  display_id: claimDisplayId(c.number),
  outcome_id: c.basis.outcomeId,
  engine_id: c.basis.engineId,
  status: c.status,
  claim_type: c.claimType,
  description: c.description,
  requested_amount: formatUsd(c.requestedMicros),
  approved_amount: c.decision === null ? null : formatUsd(c.decision.approvedMicros),
  paid_amount: formatUsd(c.paidMicros),
  findings: c.decision?.findings ?? null,
  claim_window_ends_at: c.basis.claimWindowEndsAt,
  evidence: c.evidence.map((e) => ({
    id: e.evidenceId,
    by: e.by,
    kind: e.kind,
    description: e.description,
    file: e.file === null ? null : { name: e.file.name, content_type: e.file.contentType, size_bytes: e.file.sizeBytes, sha256: e.file.sha256 },
    added_at: e.at,
  })),
  filed_at: c.filedAt,
  updated_at: c.updatedAt,
});

@Controller()
export class ClaimsHandlers {
  constructor(private readonly claims: ClaimsService) {}

  @MessagePattern(CLAIM_COMMANDS.file)
  async file(@Payload() cmd: FileClaimCommand): Promise<unknown> {
    return claimView(await this.claims.file(cmd.buyer_id, cmd.actor, cmd.outcome_id, cmd.claim_type, cmd.description, parseUsd(cmd.requested_amount), cmd.evidence ?? []));
  }

  @MessagePattern(CLAIM_COMMANDS.check)
  check(@Payload() cmd: CheckClaimsCommand): Promise<CheckClaimsAnswer> {
    return this.claims.check(cmd.buyer_id, cmd.items);
  }

  @MessagePattern(CLAIM_COMMANDS.get)
  async get(@Payload() cmd: ClaimRefCommand): Promise<unknown> {
    return claimView(await this.claims.get(cmd.claim_id, cmd.buyer_id));
  }

  @MessagePattern(CLAIM_COMMANDS.forOutcome)
  async forOutcome(@Payload() cmd: OutcomeClaimsCommand): Promise<unknown> {
    return { data: (await this.claims.forOutcome(cmd.buyer_id, cmd.outcome_id)).map(claimView) };
  }

  @MessagePattern(CLAIM_COMMANDS.withdraw)
  async withdraw(@Payload() cmd: WithdrawClaimCommand): Promise<unknown> {
    return claimView(await this.claims.withdraw(cmd.claim_id, cmd.buyer_id!, cmd.reason ?? null, cmd.buyer_id!));
  }

  @MessagePattern(CLAIM_COMMANDS.addEvidence)
  async addEvidence(@Payload() cmd: AddEvidenceCommand): Promise<unknown> {
    const file = cmd.file_base64 && cmd.content_type ? { name: cmd.file_name ?? 'evidence', contentType: cmd.content_type, base64: cmd.file_base64 } : null;
    return claimView(await this.claims.addEvidence(cmd.claim_id, cmd.buyer_id, cmd.by, cmd.kind, cmd.description, file, cmd.by === 'engine' ? 'operator' : (cmd.buyer_id ?? 'operator'), cmd.evidence_id));
  }

  @MessagePattern(CLAIM_COMMANDS.review)
  async review(@Payload() cmd: StartReviewCommand): Promise<unknown> {
    return claimView(await this.claims.startReview(cmd.claim_id, cmd.actor));
  }

  @MessagePattern(CLAIM_COMMANDS.decide)
  async decide(@Payload() cmd: DecideClaimCommand): Promise<unknown> {
    return claimView(await this.claims.decide(cmd.claim_id, cmd.decision, parseUsd(cmd.approved_amount), cmd.findings, cmd.actor));
  }
}
