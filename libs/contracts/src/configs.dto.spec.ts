import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { configView, DEFAULT_CLAIM_WINDOW, toConfigSections } from './config.mapper';
import type { ConfigBody } from './config.model';
import { CreateConfigDto } from './configs.dto';

const paths = (errors: ValidationError[], at = ''): string[] =>
  errors.flatMap((e) => {
    const here = /^\d+$/.test(e.property) ? `${at}[${e.property}]` : at ? `${at}.${e.property}` : e.property;
    return [...(e.constraints ? [here] : []), ...paths(e.children ?? [], here)];
  });
const check = (body: unknown) => paths(validateSync(plainToInstance(CreateConfigDto, body), { whitelist: true, forbidNonWhitelisted: true }));

const full = {
  name: 'Support',
  outcome_type: 'cs.resolve',
  context_sources: [{ name: 'crm', type: 'mcp_server', url: 'https://crm.test/mcp', credentials: { token: 'tok-123' } }],
  tools: { write: [{ name: 'process_refund', kind: 'api', limits: { max_amount: '50.00' }, credentials: { key: 'api-456' } }] },
  success_criteria: { required: [{ metric: 'customer_satisfaction', operator: 'gte', value: 4 }] },
  delivery_constraints: { max_latency_seconds: 300 },
  escalation_policy: { enabled: true, triggers: [{ type: 'confidence_threshold', threshold: 0.7 }], handoff: { destination: { type: 'email', address: 'help@acme.test' } }, partial_billing: { model: 'fixed_triage_fee', fee: '0.05' } },
  bid_strategy: { type: 'bid_cap', bid_cap: '1.00' },
  budget: { amount: '500.00', period: 'monthly' },
  execution_preferences: { blocked_engines: ['experimental-*'], required_engine: null },
  guarantee_terms: { level: 'basic' },
};

describe('CreateConfigDto', () => {
  it('accepts a whole wizard', () => {
    expect(check(full)).toEqual([]);
  });

  it.each([
    ['a missing name', { ...full, name: undefined }, 'name'],
    ['a wrong enum', { ...full, budget: { amount: '1.00', period: 'hourly' } }, 'budget.period'],
    ['a bid cap strategy without its cap', { ...full, bid_strategy: { type: 'bid_cap' } }, 'bid_strategy.bid_cap'],
    ['a stray field of another strategy', { ...full, bid_strategy: { type: 'cost_per_result', cost_per_result_goal: '0.50', bid_cap: '1.00' } }, 'bid_strategy.bid_cap'],
    ['a bad USD string', { ...full, budget: { amount: '1.0000001', period: 'daily' } }, 'budget.amount'],
    ['a threshold of 1.5', { ...full, escalation_policy: { enabled: false, triggers: [{ type: 'confidence_threshold', threshold: 1.5 }] } }, 'escalation_policy.triggers[0].threshold'],
    ['an unknown property', { ...full, colour: 'red' }, 'colour'],
    ['an inline source without content', { ...full, context_sources: [{ name: 'x', type: 'inline' }] }, 'context_sources[0].content'],
    ['a webhook over plain http', { ...full, escalation_policy: { enabled: true, handoff: { destination: { type: 'webhook', url: 'http://x.test' } } } }, 'escalation_policy.handoff.destination.url'],
  ])('refuses %s, at its path', (_what, body, path) => {
    expect(check(body)).toContain(path);
  });
});

describe('config mapping', () => {
  const seal = (secret: Readonly<Record<string, string>>) => ({ keyId: 'k1', ciphertext: `sealed(${Object.keys(secret).join(',')})` });
  const sections = toConfigSections(plainToInstance(CreateConfigDto, full), seal);

  it('turns USD into micro-dollars, fills in-section defaults and seals every credential', () => {
    expect(sections.bidStrategy).toEqual({ type: 'bid_cap', capMicros: 1_000_000 });
    expect(sections.budget).toEqual({ amountMicros: 500_000_000, period: 'monthly' });
    expect(sections.tools!.write[0]!.limits).toEqual({ maxAmountMicros: 50_000_000, maxCallsPerOutcome: null, requireApproval: false, allowedValues: [] });
    expect(sections.delivery).toMatchObject({ maxLatencySeconds: 300, latencyPreference: 'balanced', maxAttempts: 3, deadlineType: 'soft' });
    expect(sections.escalation!.partialBilling).toEqual({ model: 'fixed_triage_fee', feeMicros: 50_000 });
    expect(sections.contextSources![0]!.credentials).toEqual({ keyId: 'k1', ciphertext: 'sealed(token)' });
    expect(sections.guarantee).toEqual({ level: 'basic', maxPayoutMicros: null, claimWindowDays: DEFAULT_CLAIM_WINDOW });
    expect(JSON.stringify(sections)).not.toMatch(/tok-123|api-456/);
  });

  it('shows money as USD strings and credentials only as has_credentials', () => {
    const body = { ...sections, name: 'Support', outcomeType: { key: 'cs.resolve', version: 1 }, systemPrompt: null, guarantee: null } as unknown as ConfigBody;
    const view = configView({ id: 'cfg_1', status: 'draft', version: 1, body, createdAt: 't', updatedAt: 't', launchedAt: null });
    expect(view.bid_strategy).toEqual({ type: 'bid_cap', bid_cap: '1.00' });
    expect(view.tools.write[0]).toMatchObject({ has_credentials: true, limits: { max_amount: '50.00' } });
    expect(view.context_sources[0]).toMatchObject({ has_credentials: true });
    expect(JSON.stringify(view)).not.toContain('sealed(');
  });
});
