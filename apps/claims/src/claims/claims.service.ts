import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { requestCommand } from '@outcomes/bus';
import { CATALOG_COMMANDS, derivedId, EVIDENCE_MAX_BYTES, newId, type CheckClaimsAnswer } from '@outcomes/contracts';
import { ClaimRefused, decideClaim, evolveClaim, filingProblems, initialClaimState, type ClaimBasis, type ClaimCommand, type ClaimEvent, type ClaimState } from '@outcomes/domain-settlement';
import type { AggregateKind, Aggregates, ServiceRuntime } from '@outcomes/platform';
import type { PoolClient } from 'pg';
import { SettlementService } from '../settlement/settlement.service';
import { AGGREGATES, RUNTIME } from '../tokens';

export const claims: AggregateKind<ClaimState, ClaimEvent> = { category: 'claim', initialState: initialClaimState, evolve: evolveClaim };
export type LiveClaim = Exclude<ClaimState, { status: 'none' }>;

type Coverage = { readonly coverage: { readonly covered: ReadonlyArray<{ kind: string }>; readonly excluded: ReadonlyArray<{ kind: string; description: string }> } };

const project = async (tx: PoolClient, _e: readonly ClaimEvent[], after: ClaimState): Promise<void> => {
  if (after.status === 'none') return;
  await tx.query(
    `INSERT INTO claims.claims (claim_id, number, outcome_id, buyer_id, engine_id, status, requested_micros, approved_micros, paid_micros, state, filed_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (claim_id) DO UPDATE SET status = EXCLUDED.status, approved_micros = EXCLUDED.approved_micros, paid_micros = EXCLUDED.paid_micros, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
    [
      after.claimId,
      after.number,
      after.basis.outcomeId,
      after.basis.buyerId,
      after.basis.engineId,
      after.status,
      after.requestedMicros,
      after.decision?.approvedMicros ?? null,
      after.paidMicros,
      JSON.stringify(after),
      after.filedAt,
      after.updatedAt,
    ],
  );
};

/**
 * Guarantee claims: filed by the buyer against a delivered guarantee-backed outcome (the basis —
 * window, coverage left, covered and excluded kinds — comes from its settlement and its outcome
 * type at filing), evidence from both sides, reviewed and decided by the operator, and paid from
 * the engine to the buyer through the settlement's ledger.
 */
@Injectable()
export class ClaimsService {
  constructor(
    @Inject(RUNTIME) private readonly rt: ServiceRuntime,
    @Inject(AGGREGATES) private readonly aggregates: Aggregates,
    private readonly settlement: SettlementService,
  ) {}

  async file(
    buyerId: string,
    actor: string,
    outcomeId: string,
    claimType: string,
    description: string,
    requestedMicros: number,
    notes: ReadonlyArray<{ kind: string; description: string }>,
    claimId = newId('clm'),
    source: string | null = null,
  ): Promise<LiveClaim> {
    const basis = await this.basisFor(buyerId, outcomeId);
    const now = new Date();
    const { state: existing } = await this.aggregates.load(claims, claimId);
    const number = existing.status === 'none' ? Number((await this.rt.pool.query<{ n: string }>(`SELECT nextval('claims.claim_number') AS n`)).rows[0]!.n) : existing.number;
    let claim = await this.run(claimId, { type: 'FileClaim', claimId, number, basis, claimType, description, requestedMicros, by: actor, source, now }, actor);
    for (const [i, n] of notes.entries()) {
      claim = await this.run(claimId, { type: 'AddEvidence', item: { evidenceId: `${claimId}.note${i + 1}`, by: 'buyer', kind: n.kind, description: n.description, file: null }, now }, actor);
    }
    return claim;
  }

  /**
   * What a claim on this outcome is judged against: its claim window, the coverage left (less what
   * was paid or approved), and the kinds its type covers and excludes.
   */
  async basisFor(buyerId: string, outcomeId: string): Promise<ClaimBasis> {
    const settled = await this.settlement.get(buyerId, outcomeId);
    if (!settled) throw new ClaimRefused('NOT_FOUND', `outcome ${outcomeId} was not delivered to you`, [{ field: 'outcome_id', reason: 'has no delivery to claim against' }]);
    const t = settled.terms;
    if (t.model !== 'guarantee_backed' || t.claimWindowEndsAt === null) {
      throw new ClaimRefused('RULE_VIOLATION', `outcome ${outcomeId} is cAPI-verified: report a failure instead of claiming`, [{ field: 'outcome_id', reason: 'is not guarantee-backed' }]);
    }
    const type = await requestCommand<Coverage>(this.rt.bus, CATALOG_COMMANDS.getOutcomeType, { key: t.outcomeType });
    const { rows } = await this.rt.pool.query<{ pending: string }>(
      `SELECT coalesce(sum(approved_micros - paid_micros) FILTER (WHERE status IN ('approved', 'partially_approved')), 0) AS pending FROM claims.claims WHERE outcome_id = $1`,
      [outcomeId],
    );
    return {
      outcomeId,
      buyerId,
      engineId: t.engineId,
      outcomeType: t.outcomeType,
      claimWindowEndsAt: t.claimWindowEndsAt,
      // A closed window leaves nothing to claim; otherwise the coverage less what was paid or approved.
      coverageRemainingMicros: settled.claimWindowOpen ? Math.max(0, t.coverageMicros - settled.paidOutMicros - Number(rows[0]!.pending)) : 0,
      coveredKinds: type.coverage.covered.map((k) => k.kind),
      excludedKinds: type.coverage.excluded,
    };
  }

  /** Claims reported through the Conversions API, judged before they are accepted. */
  async check(buyerId: string, items: ReadonlyArray<{ outcome_id: string; claim_type: string; requested_micros: number; event_time: string }>): Promise<CheckClaimsAnswer> {
    return Promise.all(
      items.map(async (i) => {
        try {
          const problems = filingProblems(await this.basisFor(buyerId, i.outcome_id), i.claim_type, i.requested_micros, new Date(i.event_time));
          return { problems, status: problems.length > 0 ? (422 as const) : null };
        } catch (err) {
          if (!(err instanceof ClaimRefused)) throw err;
          return { problems: [...err.fields], status: err.code === 'NOT_FOUND' ? (404 as const) : (422 as const) };
        }
      }),
    );
  }

  /** A claim, its evidence or its withdrawal reported through the Conversions API; the claim's id follows from the event's. */
  async fromConversion(c: { buyerId: string; eventId: string; eventType: string; outcomeIds: readonly string[]; claim: { claimType: string; description: string; requestedMicros: number } | null; claimId: string | null; labels: readonly string[] }): Promise<void> {
    try {
      if (c.eventType === 'guarantee.claim' && c.claim && c.outcomeIds[0]) {
        const claimId = derivedId('clm', `${c.buyerId}:${c.eventId}`);
        await this.file(c.buyerId, c.buyerId, c.outcomeIds[0], c.claim.claimType, c.claim.description, c.claim.requestedMicros, [], claimId, `capi:${c.eventId}`);
      } else if (c.eventType === 'guarantee.evidence' && c.claimId) {
        await this.get(c.claimId, c.buyerId);
        await this.run(c.claimId, { type: 'AddEvidence', item: { evidenceId: `${c.claimId}.${c.eventId}`, by: 'buyer', kind: 'conversions_api', description: `reported as event ${c.eventId}${c.labels.length > 0 ? ` (${c.labels.join(', ')})` : ''}`, file: null }, now: new Date() }, c.buyerId);
      } else if (c.eventType === 'guarantee.withdraw' && c.claimId) {
        await this.withdraw(c.claimId, c.buyerId, `withdrawn through the Conversions API (event ${c.eventId})`, c.buyerId);
      }
    } catch (err) {
      // Judged at intake; what changed since (a window that closed, a claim already decided) is refused here, once.
      if (!(err instanceof ClaimRefused)) throw err;
      this.rt.logger.warn({ eventId: c.eventId, err: err.message }, 'a claim event from the Conversions API was refused');
    }
  }

  async addEvidence(
    claimId: string,
    buyerId: string | undefined,
    by: 'buyer' | 'engine',
    kind: string,
    description: string,
    file: { name: string; contentType: string; base64: string } | null,
    actor: string,
    evidenceId = `evd_${newId('evt').slice(4)}`,
  ): Promise<LiveClaim> {
    await this.get(claimId, buyerId);
    let meta: { name: string; contentType: string; sizeBytes: number; sha256: string } | null = null;
    if (file) {
      const bytes = Buffer.from(file.base64, 'base64');
      if (bytes.length === 0 || bytes.length > EVIDENCE_MAX_BYTES) throw new ClaimRefused('RULE_VIOLATION', `an evidence file is 1 to ${EVIDENCE_MAX_BYTES} bytes`, [{ field: 'file', reason: `must be 1 to ${EVIDENCE_MAX_BYTES} bytes` }]);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      meta = { name: file.name, contentType: file.contentType, sizeBytes: bytes.length, sha256 };
      await this.rt.pool.query(`INSERT INTO claims.evidence_files (evidence_id, claim_id, sha256, content_type, size_bytes, bytes) VALUES ($1, $2, $3, $4, $5, $6)`, [
        evidenceId,
        claimId,
        sha256,
        file.contentType,
        bytes.length,
        bytes,
      ]);
    }
    return this.run(claimId, { type: 'AddEvidence', item: { evidenceId, by, kind, description, file: meta }, now: new Date() }, actor);
  }

  async withdraw(claimId: string, buyerId: string, reason: string | null, actor: string): Promise<LiveClaim> {
    await this.get(claimId, buyerId);
    return this.run(claimId, { type: 'Withdraw', reason, now: new Date() }, actor);
  }

  startReview(claimId: string, actor: string): Promise<LiveClaim> {
    return this.run(claimId, { type: 'StartReview', by: actor, now: new Date() }, actor);
  }

  /** The operator's decision; an approval is paid at once, from the engine to the buyer, through the ledger. */
  async decide(claimId: string, decision: 'approved' | 'partially_approved' | 'denied', approvedMicros: number, findings: string, actor: string): Promise<LiveClaim> {
    const claim = await this.run(claimId, { type: 'Decide', decision, approvedMicros, findings, by: actor, now: new Date() }, actor);
    if (claim.status !== 'approved' && claim.status !== 'partially_approved') return claim;
    await this.settlement.payClaim(claim.basis.outcomeId, claimId, approvedMicros);
    return this.run(claimId, { type: 'MarkPaid', amountMicros: approvedMicros, now: new Date() }, actor);
  }

  async get(claimId: string, buyerId: string | undefined): Promise<LiveClaim> {
    const { state } = await this.aggregates.load(claims, claimId);
    if (state.status === 'none' || (buyerId !== undefined && state.basis.buyerId !== buyerId)) throw new ClaimRefused('NOT_FOUND', `claim ${claimId} does not exist`);
    return state;
  }

  async forOutcome(buyerId: string, outcomeId: string): Promise<LiveClaim[]> {
    const { rows } = await this.rt.pool.query<{ state: LiveClaim }>(`SELECT state FROM claims.claims WHERE buyer_id = $1 AND outcome_id = $2 ORDER BY number`, [buyerId, outcomeId]);
    return rows.map((r) => r.state);
  }

  private async run(claimId: string, command: ClaimCommand, actor: string): Promise<LiveClaim> {
    const { state } = await this.aggregates.execute(claims, claimId, (s) => decideClaim(command, s), { actor, project, retries: 10 });
    if (state.status === 'none') throw new ClaimRefused('NOT_FOUND', `claim ${claimId} does not exist`);
    return state;
  }
}
