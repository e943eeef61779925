/**
 * A guarantee claim on a delivered guarantee-backed outcome: filed within the claim window for a
 * kind the guarantee covers and an amount within the remaining coverage; reviewed and decided by
 * the operator (approved, partially approved or denied, with findings); paid from the engine to
 * the buyer; or withdrawn by the buyer before the decision. Both sides may add evidence until then.
 */
export const GENERAL_CLAIM_KINDS = ['outcome_failed', 'outcome_caused_damage', 'sla_breach'] as const;

export type ClaimStatus = 'filed' | 'under_review' | 'approved' | 'partially_approved' | 'denied' | 'paid' | 'withdrawn';

export interface EvidenceItem {
  readonly evidenceId: string;
  readonly by: 'buyer' | 'engine';
  readonly kind: string;
  readonly description: string;
  /** For an uploaded file: its name, type, size and SHA-256; null for a description only. */
  readonly file: { readonly name: string; readonly contentType: string; readonly sizeBytes: number; readonly sha256: string } | null;
  readonly at: string;
}

/** What the claim is filed against, as settlement knows it at filing time. */
export interface ClaimBasis {
  readonly outcomeId: string;
  readonly buyerId: string;
  readonly engineId: string;
  readonly outcomeType: string;
  readonly claimWindowEndsAt: string;
  readonly coverageRemainingMicros: number;
  readonly coveredKinds: readonly string[];
  readonly excludedKinds: ReadonlyArray<{ readonly kind: string; readonly description: string }>;
}

type At = { readonly claimId: string; readonly at: string };

export type ClaimEvent =
  | {
      readonly type: 'ClaimFiled';
      readonly data: At & { readonly number: number; readonly basis: ClaimBasis; readonly claimType: string; readonly description: string; readonly requestedMicros: number; readonly by: string; readonly source: string | null };
    }
  | { readonly type: 'ClaimEvidenceAdded'; readonly data: At & { readonly item: EvidenceItem } }
  | { readonly type: 'ClaimReviewStarted'; readonly data: At & { readonly by: string } }
  | { readonly type: 'ClaimDecided'; readonly data: At & { readonly decision: 'approved' | 'partially_approved' | 'denied'; readonly approvedMicros: number; readonly findings: string; readonly by: string } }
  | { readonly type: 'ClaimPaid'; readonly data: At & { readonly amountMicros: number } }
  | { readonly type: 'ClaimWithdrawn'; readonly data: At & { readonly reason: string | null } };

export type ClaimState =
  | { readonly status: 'none' }
  | {
      readonly status: ClaimStatus;
      readonly claimId: string;
      readonly number: number;
      readonly basis: ClaimBasis;
      readonly claimType: string;
      readonly description: string;
      readonly requestedMicros: number;
      readonly evidence: readonly EvidenceItem[];
      readonly decision: { readonly decision: 'approved' | 'partially_approved' | 'denied'; readonly approvedMicros: number; readonly findings: string } | null;
      readonly paidMicros: number;
      readonly filedAt: string;
      readonly updatedAt: string;
    };

export const initialClaimState = (): ClaimState => ({ status: 'none' });

export type ClaimCommand =
  | { readonly type: 'FileClaim'; readonly claimId: string; readonly number: number; readonly basis: ClaimBasis; readonly claimType: string; readonly description: string; readonly requestedMicros: number; readonly by: string; readonly source?: string | null; readonly now: Date }
  | { readonly type: 'AddEvidence'; readonly item: Omit<EvidenceItem, 'at'>; readonly now: Date }
  | { readonly type: 'StartReview'; readonly by: string; readonly now: Date }
  | { readonly type: 'Decide'; readonly decision: 'approved' | 'partially_approved' | 'denied'; readonly approvedMicros: number; readonly findings: string; readonly by: string; readonly now: Date }
  | { readonly type: 'MarkPaid'; readonly amountMicros: number; readonly now: Date }
  | { readonly type: 'Withdraw'; readonly reason: string | null; readonly now: Date };

export class ClaimRefused extends Error {
  constructor(
    readonly code: 'RULE_VIOLATION' | 'NOT_FOUND' | 'ALREADY_EXISTS',
    message: string,
    readonly fields: ReadonlyArray<{ readonly field: string; readonly reason: string }> = [],
  ) {
    super(message);
    this.name = 'ClaimRefused';
  }
}

/** CLM-000123: how people read a claim's number. */
export const claimDisplayId = (n: number): string => `CLM-${String(n).padStart(6, '0')}`;

/** Why a claim of this kind, amount and time is refused on this basis, or null. */
export function filingProblems(basis: ClaimBasis, claimType: string, requestedMicros: number, at: Date): Array<{ field: string; reason: string }> {
  const problems: Array<{ field: string; reason: string }> = [];
  if (at.getTime() > Date.parse(basis.claimWindowEndsAt)) problems.push({ field: 'outcome_id', reason: `its claim window closed at ${basis.claimWindowEndsAt}` });
  const excluded = basis.excludedKinds.find((k) => k.kind === claimType);
  if (excluded) problems.push({ field: 'claim_type', reason: `the guarantee excludes ${claimType}: ${excluded.description}` });
  else if (!(GENERAL_CLAIM_KINDS as readonly string[]).includes(claimType) && !basis.coveredKinds.includes(claimType)) {
    problems.push({ field: 'claim_type', reason: `must be one of ${[...GENERAL_CLAIM_KINDS, ...basis.coveredKinds].join(', ')}` });
  }
  if (!Number.isSafeInteger(requestedMicros) || requestedMicros <= 0) problems.push({ field: 'requested_amount', reason: 'must be above zero' });
  else if (requestedMicros > basis.coverageRemainingMicros) problems.push({ field: 'requested_amount', reason: `is more than the ${basis.coverageRemainingMicros} micro-dollars of coverage left` });
  return problems;
}

const OPEN: readonly ClaimStatus[] = ['filed', 'under_review'];

export function decideClaim(command: ClaimCommand, state: ClaimState): ClaimEvent[] {
  const at = command.now.toISOString();
  if (command.type === 'FileClaim') {
    if (state.status !== 'none') return [];
    const problems = filingProblems(command.basis, command.claimType, command.requestedMicros, command.now);
    if (problems.length > 0) throw new ClaimRefused('RULE_VIOLATION', problems.map((p) => `${p.field} ${p.reason}`).join('; '), problems);
    const { claimId, number, basis, claimType, description, requestedMicros, by } = command;
    return [{ type: 'ClaimFiled', data: { claimId, number, basis, claimType, description, requestedMicros, by, source: command.source ?? null, at } }];
  }
  if (state.status === 'none') throw new ClaimRefused('NOT_FOUND', 'no such claim');
  const { claimId } = state;
  const open = OPEN.includes(state.status);
  switch (command.type) {
    case 'AddEvidence':
      if (state.evidence.some((e) => e.evidenceId === command.item.evidenceId)) return [];
      if (!open) throw new ClaimRefused('RULE_VIOLATION', `claim ${claimDisplayId(state.number)} is ${state.status}: evidence is taken only before the decision`);
      return [{ type: 'ClaimEvidenceAdded', data: { claimId, item: { ...command.item, at }, at } }];
    case 'StartReview':
      if (state.status === 'under_review') return [];
      if (state.status !== 'filed') throw new ClaimRefused('RULE_VIOLATION', `claim ${claimDisplayId(state.number)} is ${state.status}`);
      return [{ type: 'ClaimReviewStarted', data: { claimId, by: command.by, at } }];
    case 'Decide': {
      if (state.decision !== null) {
        if (state.decision.decision === command.decision && state.decision.approvedMicros === command.approvedMicros) return [];
        throw new ClaimRefused('RULE_VIOLATION', `claim ${claimDisplayId(state.number)} was decided already (${state.decision.decision})`);
      }
      if (!open) throw new ClaimRefused('RULE_VIOLATION', `claim ${claimDisplayId(state.number)} is ${state.status}`);
      const amount = command.approvedMicros;
      const fields: Array<{ field: string; reason: string }> = [];
      if (command.decision === 'denied' && amount !== 0) fields.push({ field: 'approved_amount', reason: 'must be 0 when the claim is denied' });
      if (command.decision === 'approved' && amount !== state.requestedMicros) fields.push({ field: 'approved_amount', reason: 'must be the requested amount when approved in full' });
      if (command.decision === 'partially_approved' && !(amount > 0 && amount < state.requestedMicros)) fields.push({ field: 'approved_amount', reason: 'must lie between zero and the requested amount' });
      if (command.findings.trim() === '') fields.push({ field: 'findings', reason: 'are required' });
      if (fields.length > 0) throw new ClaimRefused('RULE_VIOLATION', fields.map((f) => `${f.field} ${f.reason}`).join('; '), fields);
      const decided: ClaimEvent = { type: 'ClaimDecided', data: { claimId, decision: command.decision, approvedMicros: amount, findings: command.findings, by: command.by, at } };
      return state.status === 'filed' ? [{ type: 'ClaimReviewStarted', data: { claimId, by: command.by, at } }, decided] : [decided];
    }
    case 'MarkPaid':
      if (state.status === 'paid') return [];
      if (state.status !== 'approved' && state.status !== 'partially_approved') throw new ClaimRefused('RULE_VIOLATION', `claim ${claimDisplayId(state.number)} is ${state.status}, not approved`);
      if (command.amountMicros !== state.decision!.approvedMicros) throw new ClaimRefused('RULE_VIOLATION', 'a payout is the approved amount');
      return [{ type: 'ClaimPaid', data: { claimId, amountMicros: command.amountMicros, at } }];
    case 'Withdraw':
      if (state.status === 'withdrawn') return [];
      if (!open) throw new ClaimRefused('RULE_VIOLATION', `claim ${claimDisplayId(state.number)} is ${state.status}: only an undecided claim can be withdrawn`);
      return [{ type: 'ClaimWithdrawn', data: { claimId, reason: command.reason, at } }];
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${String(unhandled)}`);
    }
  }
}

export function evolveClaim(state: ClaimState, event: ClaimEvent): ClaimState {
  if (event.type === 'ClaimFiled') {
    const d = event.data;
    return { status: 'filed', claimId: d.claimId, number: d.number, basis: d.basis, claimType: d.claimType, description: d.description, requestedMicros: d.requestedMicros, evidence: [], decision: null, paidMicros: 0, filedAt: d.at, updatedAt: d.at };
  }
  if (state.status === 'none') return state;
  const next = { ...state, updatedAt: event.data.at };
  switch (event.type) {
    case 'ClaimEvidenceAdded':
      return { ...next, evidence: [...state.evidence, event.data.item] };
    case 'ClaimReviewStarted':
      return { ...next, status: 'under_review' };
    case 'ClaimDecided':
      return { ...next, status: event.data.decision, decision: { decision: event.data.decision, approvedMicros: event.data.approvedMicros, findings: event.data.findings } };
    case 'ClaimPaid':
      return { ...next, status: 'paid', paidMicros: event.data.amountMicros };
    case 'ClaimWithdrawn':
      return { ...next, status: 'withdrawn' };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}
