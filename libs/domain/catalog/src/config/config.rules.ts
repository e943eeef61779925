import type { FieldProblem } from '../errors';
import type { MetricSpec, OutcomeTypeDefinition } from '../outcome-type/outcome-type.events';
import { DEFAULT_CLAIM_WINDOW } from '@outcomes/contracts';
import type { ConfigBody, ConfigSections, Criterion } from './config.types';
import { matchesAny } from './engine-patterns';

/** Guarantee terms that leave the claim window to the type take the type's default. */
export function settleClaimWindow(type: OutcomeTypeDefinition, body: ConfigBody): ConfigBody {
  const g = body.guarantee;
  if (g === null || g.claimWindowDays !== DEFAULT_CLAIM_WINDOW || type.claimWindow === null) return body;
  return { ...body, guarantee: { ...g, claimWindowDays: type.claimWindow.defaultDays } };
}

/** What a section left out of a draft becomes: the outcome type's defaults. */
export function withDefaults(type: OutcomeTypeDefinition, name: string, pinned: ConfigBody['outcomeType'], sections: ConfigSections): ConfigBody {
  return settleClaimWindow(type, {
    name: sections.name ?? name,
    outcomeType: pinned,
    contextSources: sections.contextSources ?? [],
    tools: sections.tools ?? { readOnly: [], write: [] },
    successCriteria: sections.successCriteria ?? { required: [], optional: [] },
    delivery: sections.delivery ?? {
      maxLatencySeconds: type.defaultDeliverySeconds,
      latencyPreference: 'balanced',
      deadlineSeconds: null,
      deadlineType: 'soft',
      maxAttempts: 3,
      checkpointIntervalSeconds: null,
    },
    escalation: sections.escalation ?? { enabled: false, triggers: [], handoff: null, partialBilling: { model: 'none' } },
    bidStrategy: sections.bidStrategy ?? null,
    budget: sections.budget ?? null,
    executionPreferences: sections.executionPreferences ?? { allowedEngines: [], blockedEngines: [], preferredEngine: null, requiredEngine: null, capabilityRequirements: [] },
    systemPrompt: sections.systemPrompt ?? null,
    guarantee:
      sections.guarantee !== undefined
        ? sections.guarantee
        : type.claimWindow
          ? { level: 'basic', maxPayoutMicros: null, claimWindowDays: type.claimWindow.defaultDays }
          : null,
  });
}

const duplicates = (names: readonly string[]): Set<number> => {
  const seen = new Set<string>();
  const dup = new Set<number>();
  names.forEach((n, i) => (seen.has(n) ? dup.add(i) : seen.add(n)));
  return dup;
};

function criterionProblems(typeKey: string, metrics: readonly MetricSpec[], c: Criterion, at: string): FieldProblem[] {
  const metric = metrics.find((m) => m.name === c.metric);
  if (!metric) return [{ field: `${at}.metric`, reason: `is not a metric of ${typeKey} (known: ${metrics.map((m) => m.name).join(', ')})` }];
  if (!metric.operators.includes(c.operator)) {
    return [{ field: `${at}.operator`, reason: `${c.metric} allows ${metric.operators.join(', ')}` }];
  }
  const v = c.value;
  const fits =
    metric.type === 'boolean'
      ? typeof v === 'boolean'
      : metric.type === 'string'
        ? typeof v === 'string'
        : typeof v === 'number' && Number.isFinite(v) && (metric.type === 'number' || Number.isInteger(v));
  if (!fits) return [{ field: `${at}.value`, reason: `${c.metric} is a ${metric.type}` }];
  if (typeof v === 'number' && ((metric.min !== undefined && v < metric.min) || (metric.max !== undefined && v > metric.max))) {
    return [{ field: `${at}.value`, reason: `${c.metric} ranges from ${metric.min ?? '-∞'} to ${metric.max ?? '∞'}` }];
  }
  if (c.operator === 'matches' && typeof v === 'string') {
    try {
      new RegExp(v);
    } catch {
      return [{ field: `${at}.value`, reason: 'is not a valid regular expression' }];
    }
  }
  return [];
}

/** Every way a configuration breaks the rules of its outcome type; empty when it keeps them. */
export function configProblems(type: OutcomeTypeDefinition, body: ConfigBody): FieldProblem[] {
  const typeKey = `${body.outcomeType.key} v${body.outcomeType.version}`;
  const problems: FieldProblem[] = [];
  const add = (field: string, reason: string) => problems.push({ field, reason });

  if (body.name.trim() === '') add('name', 'must not be blank');
  duplicates(body.contextSources.map((s) => s.name)).forEach((i) => add(`context_sources[${i}].name`, 'is used by another context source'));
  const tools = [...body.tools.readOnly.map((t, i) => [`tools.read_only[${i}]`, t.name]), ...body.tools.write.map((t, i) => [`tools.write[${i}]`, t.name])];
  duplicates(tools.map(([, n]) => n!)).forEach((i) => add(`${tools[i]![0]}.name`, 'is used by another tool'));

  const metrics = type.successCriteria.metrics;
  body.successCriteria.required.forEach((c, i) => problems.push(...criterionProblems(typeKey, metrics, c, `success_criteria.required[${i}]`)));
  body.successCriteria.optional.forEach((c, i) => problems.push(...criterionProblems(typeKey, metrics, c, `success_criteria.optional[${i}]`)));

  const d = body.delivery;
  if (d.deadlineSeconds !== null && d.deadlineSeconds < d.maxLatencySeconds) add('delivery_constraints.deadline_seconds', 'must not be shorter than max_latency_seconds');
  if (d.checkpointIntervalSeconds !== null && d.checkpointIntervalSeconds >= d.maxLatencySeconds) {
    add('delivery_constraints.checkpoint_interval_seconds', 'must be shorter than max_latency_seconds');
  }

  const e = body.escalation;
  if (e.enabled && e.handoff === null) add('escalation_policy.handoff', 'is required when escalation is enabled');
  if (e.enabled && e.triggers.length === 0) add('escalation_policy.triggers', 'needs at least one trigger when escalation is enabled');
  duplicates(e.triggers.map((t) => t.type)).forEach((i) => add(`escalation_policy.triggers[${i}].type`, 'appears twice'));

  const s = body.bidStrategy;
  const perOutcomeLimit = s?.type === 'bid_cap' ? s.capMicros : s?.type === 'cost_per_result' ? s.goalMicros : null;
  if (e.partialBilling.model === 'fixed_triage_fee' && perOutcomeLimit !== null && e.partialBilling.feeMicros > perOutcomeLimit) {
    add('escalation_policy.partial_billing.fee', `must not exceed the ${s!.type === 'bid_cap' ? 'bid cap' : 'cost per result goal'}`);
  }
  if (s?.type === 'bid_cap' && body.budget && s.capMicros > body.budget.amountMicros) add('bid_strategy.bid_cap', 'must not exceed the budget amount');
  if (s?.type === 'cost_per_result' && body.budget && s.goalMicros > body.budget.amountMicros) {
    add('bid_strategy.cost_per_result_goal', 'must not exceed the budget amount');
  }

  const p = body.executionPreferences;
  p.allowedEngines.filter((a) => p.blockedEngines.includes(a)).forEach((a) => add('execution_preferences.blocked_engines', `${a} is both allowed and blocked`));
  if (p.requiredEngine !== null) {
    if (matchesAny(p.blockedEngines, p.requiredEngine)) add('execution_preferences.required_engine', 'is blocked by blocked_engines');
    else if (p.allowedEngines.length > 0 && !matchesAny(p.allowedEngines, p.requiredEngine)) add('execution_preferences.required_engine', 'is not in allowed_engines');
  }
  if (p.preferredEngine !== null && matchesAny(p.blockedEngines, p.preferredEngine)) add('execution_preferences.preferred_engine', 'is blocked by blocked_engines');

  const g = body.guarantee;
  if (type.claimWindow === null) {
    if (g !== null) add('guarantee_terms', `apply only to guarantee-backed outcome types; ${body.outcomeType.key} is cAPI-verified`);
  } else if (g === null) {
    add('guarantee_terms', `are required: ${body.outcomeType.key} is guarantee-backed`);
  } else {
    const { minDays, maxDays } = type.claimWindow;
    if (g.claimWindowDays !== DEFAULT_CLAIM_WINDOW && (g.claimWindowDays < minDays || g.claimWindowDays > maxDays)) {
      add('guarantee_terms.claim_window_days', `must be between ${minDays} and ${maxDays} days for ${body.outcomeType.key}`);
    }
    if (g.level === 'full' && g.maxPayoutMicros === null) add('guarantee_terms.max_payout', 'is required for a full guarantee');
    if (g.level === 'none' && g.maxPayoutMicros !== null) add('guarantee_terms.max_payout', 'means nothing without a guarantee (level none)');
  }
  return problems;
}

/** What launching needs on top of the rules: a way to price and a budget to spend. */
export function launchProblems(body: ConfigBody): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (body.bidStrategy === null) problems.push({ field: 'bid_strategy', reason: 'is required to launch' });
  if (body.budget === null) problems.push({ field: 'budget', reason: 'is required to launch' });
  return problems;
}
