import type { CreateConfigDto, UpdateConfigDto } from './configs.dto';
import type { ContextSourceDto, CriterionDto, ToolDto } from './config-sections.dto';
import type { DestinationDto, TriggerDto } from './config-policy.dto';
import type { ConfigBody, ConfigSections, ContextSource, EscalationTrigger, HandoffDestination, SealedSecret, Tool } from './config.model';
import { formatUsd, parseUsd } from './money';

export type Seal = (secret: Readonly<Record<string, string>>) => SealedSecret;

const sealed = (seal: Seal, c: Record<string, string> | undefined): SealedSecret | null => (c === undefined ? null : seal(c));
const usdOrNull = (s: string | undefined): number | null => (s === undefined ? null : parseUsd(s));

const source = (s: ContextSourceDto, seal: Seal): ContextSource => ({
  name: s.name,
  type: s.type,
  content: s.content ?? null,
  url: s.url ?? null,
  serverTools: s.server_tools ?? [],
  fileId: s.file_id ?? null,
  metadata: s.metadata ?? {},
  credentials: sealed(seal, s.credentials),
});

const tool = (t: ToolDto, seal: Seal): Tool => ({
  name: t.name,
  kind: t.kind,
  description: t.description ?? '',
  endpoint: t.endpoint ?? null,
  permissions: t.permissions ?? [],
  limits: {
    maxAmountMicros: usdOrNull(t.limits?.max_amount),
    maxCallsPerOutcome: t.limits?.max_calls_per_outcome ?? null,
    requireApproval: t.limits?.require_approval ?? false,
    allowedValues: t.limits?.allowed_values ?? [],
  },
  credentials: sealed(seal, t.credentials),
});

const criterion = (c: CriterionDto) => ({ metric: c.metric, operator: c.operator, value: c.value });

const trigger = (t: TriggerDto): EscalationTrigger => {
  switch (t.type) {
    case 'confidence_threshold':
      return { type: t.type, threshold: t.threshold! };
    case 'max_attempts':
      return { type: t.type, attempts: t.attempts! };
    case 'timeout':
      return { type: t.type, seconds: t.seconds! };
    case 'explicit_request':
      return { type: t.type, patterns: t.patterns! };
    case 'policy_violation':
      return { type: t.type, policies: t.policies ?? [] };
    case 'out_of_scope':
      return { type: t.type, topics: t.topics ?? [] };
    default: {
      const unhandled: never = t.type;
      throw new Error(`unhandled trigger ${String(unhandled)}`);
    }
  }
};

const destination = (d: DestinationDto, seal: Seal): HandoffDestination => {
  switch (d.type) {
    case 'webhook':
      return { type: 'webhook', url: d.url!, credentials: sealed(seal, d.credentials) };
    case 'queue':
      return { type: 'queue', queueName: d.queue_name!, connection: d.connection ?? null };
    case 'email':
      return { type: 'email', address: d.address!, template: d.template ?? null };
    default: {
      const unhandled: never = d.type;
      throw new Error(`unhandled destination ${String(unhandled)}`);
    }
  }
};

/**
 * The sections a draft or revision names, in the domain's terms: USD strings become micro-dollars,
 * in-section defaults are filled, and every credentials object is sealed through `seal`.
 */
export function toConfigSections(dto: CreateConfigDto | UpdateConfigDto, seal: Seal): ConfigSections {
  const out: { -readonly [K in keyof ConfigSections]: ConfigSections[K] } = {};
  if (dto.name !== undefined) out.name = dto.name;
  if (dto.context_sources) out.contextSources = dto.context_sources.map((s) => source(s, seal));
  if (dto.tools) out.tools = { readOnly: (dto.tools.read_only ?? []).map((t) => tool(t, seal)), write: (dto.tools.write ?? []).map((t) => tool(t, seal)) };
  if (dto.success_criteria) out.successCriteria = { required: (dto.success_criteria.required ?? []).map(criterion), optional: (dto.success_criteria.optional ?? []).map(criterion) };
  const d = dto.delivery_constraints;
  if (d) {
    out.delivery = {
      maxLatencySeconds: d.max_latency_seconds,
      latencyPreference: d.latency_preference ?? 'balanced',
      deadlineSeconds: d.deadline_seconds ?? null,
      deadlineType: d.deadline_type ?? 'soft',
      maxAttempts: d.max_attempts ?? 3,
      checkpointIntervalSeconds: d.checkpoint_interval_seconds ?? null,
    };
  }
  const e = dto.escalation_policy;
  if (e) {
    const pb = e.partial_billing;
    out.escalation = {
      enabled: e.enabled,
      triggers: (e.triggers ?? []).map(trigger),
      handoff: e.handoff
        ? { destination: destination(e.handoff.destination, seal), includeSummary: e.handoff.include_summary ?? true, includeTranscript: e.handoff.include_transcript ?? true, includeContext: e.handoff.include_context ?? true }
        : null,
      partialBilling: !pb || pb.model === 'none' ? { model: 'none' } : pb.model === 'fixed_triage_fee' ? { model: 'fixed_triage_fee', feeMicros: parseUsd(pb.fee!) } : { model: 'percentage_complete' },
    };
  }
  const b = dto.bid_strategy;
  if (b) {
    out.bidStrategy =
      b.type === 'cost_per_result'
        ? { type: b.type, goalMicros: parseUsd(b.cost_per_result_goal!) }
        : b.type === 'bid_cap'
          ? { type: b.type, capMicros: parseUsd(b.bid_cap!) }
          : b.type === 'roas_goal'
            ? { type: b.type, roasGoal: b.roas_goal! }
            : { type: 'highest_volume' };
  }
  if (dto.budget) out.budget = { amountMicros: parseUsd(dto.budget.amount), period: dto.budget.period };
  const x = dto.execution_preferences;
  if (x) {
    out.executionPreferences = {
      allowedEngines: x.allowed_engines ?? [],
      blockedEngines: x.blocked_engines ?? [],
      preferredEngine: x.preferred_engine ?? null,
      requiredEngine: x.required_engine ?? null,
      capabilityRequirements: x.capability_requirements ?? [],
    };
  }
  if (dto.system_prompt !== undefined) out.systemPrompt = dto.system_prompt;
  const g = dto.guarantee_terms;
  // Without a claim window the catalog uses the type's default, which only the catalog knows: -1 marks it.
  if (g) out.guarantee = { level: g.level, maxPayoutMicros: usdOrNull(g.max_payout), claimWindowDays: g.claim_window_days ?? DEFAULT_CLAIM_WINDOW };
  return out;
}

/** Marks a guarantee whose claim window the buyer left to the outcome type's default. */
export const DEFAULT_CLAIM_WINDOW = -1;

export interface ConfigViewInput {
  readonly id: string;
  readonly status: 'draft' | 'launched' | 'paused' | 'archived';
  readonly version: number;
  readonly body: ConfigBody;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly launchedAt: string | null;
}

const money = (m: number | null): string | null => (m === null ? null : formatUsd(m));

/** The public view: snake_case, USD strings, and `has_credentials` where a sealed secret is. */
export function configView(c: ConfigViewInput) {
  const b = c.body;
  const e = b.escalation;
  const s = b.bidStrategy;
  const toolView = (t: Tool) => ({
    name: t.name,
    kind: t.kind,
    description: t.description,
    endpoint: t.endpoint,
    permissions: t.permissions,
    limits: { max_amount: money(t.limits.maxAmountMicros), max_calls_per_outcome: t.limits.maxCallsPerOutcome, require_approval: t.limits.requireApproval, allowed_values: t.limits.allowedValues },
    has_credentials: t.credentials !== null,
  });
  const dest = e.handoff?.destination;
  return {
    id: c.id,
    object: 'config' as const,
    status: c.status,
    version: c.version,
    name: b.name,
    outcome_type: b.outcomeType.key,
    outcome_type_version: b.outcomeType.version,
    context_sources: b.contextSources.map((x) => ({
      name: x.name,
      type: x.type,
      content: x.content,
      url: x.url,
      server_tools: x.serverTools,
      file_id: x.fileId,
      metadata: x.metadata,
      has_credentials: x.credentials !== null,
    })),
    tools: { read_only: b.tools.readOnly.map(toolView), write: b.tools.write.map(toolView) },
    success_criteria: { required: b.successCriteria.required, optional: b.successCriteria.optional },
    delivery_constraints: {
      max_latency_seconds: b.delivery.maxLatencySeconds,
      latency_preference: b.delivery.latencyPreference,
      deadline_seconds: b.delivery.deadlineSeconds,
      deadline_type: b.delivery.deadlineType,
      max_attempts: b.delivery.maxAttempts,
      checkpoint_interval_seconds: b.delivery.checkpointIntervalSeconds,
    },
    escalation_policy: {
      enabled: e.enabled,
      triggers: e.triggers,
      handoff:
        e.handoff && dest
          ? {
              destination:
                dest.type === 'webhook'
                  ? { type: dest.type, url: dest.url, has_credentials: dest.credentials !== null }
                  : dest.type === 'queue'
                    ? { type: dest.type, queue_name: dest.queueName, connection: dest.connection }
                    : { type: dest.type, address: dest.address, template: dest.template },
              include_summary: e.handoff.includeSummary,
              include_transcript: e.handoff.includeTranscript,
              include_context: e.handoff.includeContext,
            }
          : null,
      partial_billing: e.partialBilling.model === 'fixed_triage_fee' ? { model: e.partialBilling.model, fee: formatUsd(e.partialBilling.feeMicros) } : { model: e.partialBilling.model },
    },
    bid_strategy:
      s === null
        ? null
        : s.type === 'cost_per_result'
          ? { type: s.type, cost_per_result_goal: formatUsd(s.goalMicros) }
          : s.type === 'bid_cap'
            ? { type: s.type, bid_cap: formatUsd(s.capMicros) }
            : s.type === 'roas_goal'
              ? { type: s.type, roas_goal: s.roasGoal }
              : { type: s.type },
    budget: b.budget === null ? null : { amount: formatUsd(b.budget.amountMicros), period: b.budget.period },
    execution_preferences: {
      allowed_engines: b.executionPreferences.allowedEngines,
      blocked_engines: b.executionPreferences.blockedEngines,
      preferred_engine: b.executionPreferences.preferredEngine,
      required_engine: b.executionPreferences.requiredEngine,
      capability_requirements: b.executionPreferences.capabilityRequirements,
    },
    system_prompt: b.systemPrompt,
    guarantee_terms: b.guarantee === null ? null : { level: b.guarantee.level, max_payout: money(b.guarantee.maxPayoutMicros), claim_window_days: b.guarantee.claimWindowDays },
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    launched_at: c.launchedAt,
  };
}

export type ConfigView = ReturnType<typeof configView>;
