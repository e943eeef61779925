import type { FieldProblem } from '../errors';
import { OPERATORS_BY_TYPE, VERIFICATION_MODELS, type OutcomeTypeDefinition } from './outcome-type.events';

const KEY = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,2}$/;
const SNAKE = /^[a-z][a-z0-9_]*$/;
const METRIC_TYPES = Object.keys(OPERATORS_BY_TYPE);
const MAX_PRICE_MICROS = 1_000_000_000_000;

const isInt = (n: unknown, min: number, max: number): boolean => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
const blank = (s: unknown): boolean => typeof s !== 'string' || s.trim() === '';

/** JSON with object keys sorted at every depth: two definitions are the same when these match. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** Every way a definition breaks the catalog's rules, with public (snake_case) field paths. */
export function validateDefinition(key: string, def: OutcomeTypeDefinition): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (field: string, reason: string) => problems.push({ field, reason });

  if (!KEY.test(key)) add('key', 'must look like vertical.action or provider.vertical.action (lowercase, snake_case)');
  if (blank(def.name) || def.name.length > 200) add('name', 'must be 1 to 200 characters');
  if (typeof def.description !== 'string' || def.description.length > 2000) add('description', 'must be at most 2000 characters');
  if (!VERIFICATION_MODELS.includes(def.verification)) add('verification', `must be one of ${VERIFICATION_MODELS.join(', ')}`);

  const sc = def.successCriteria;
  if (blank(sc.definition)) add('success_criteria.definition', 'must say when an outcome counts as successful');
  if (sc.metrics.length === 0) add('success_criteria.metrics', 'needs at least one metric');
  const names = new Set<string>();
  sc.metrics.forEach((m, i) => {
    const at = `success_criteria.metrics[${i}]`;
    if (!SNAKE.test(m.name)) add(`${at}.name`, 'must be snake_case');
    else if (names.has(m.name)) add(`${at}.name`, `${m.name} appears twice`);
    names.add(m.name);
    const allowed = OPERATORS_BY_TYPE[m.type];
    if (!allowed) {
      add(`${at}.type`, `must be one of ${METRIC_TYPES.join(', ')}`);
      return;
    }
    if (m.operators.length === 0) add(`${at}.operators`, 'needs at least one operator');
    const wrong = m.operators.filter((o) => !allowed.includes(o));
    if (wrong.length > 0) add(`${at}.operators`, `a ${m.type} metric allows ${allowed.join(', ')}, not ${wrong.join(', ')}`);
    const numeric = m.type === 'number' || m.type === 'integer';
    if (!numeric && (m.min !== undefined || m.max !== undefined)) add(`${at}.min`, `a ${m.type} metric has no bounds`);
    if (numeric && m.min !== undefined && m.max !== undefined && m.min > m.max) add(`${at}.min`, 'must not exceed max');
  });

  const cw = def.claimWindow;
  if (def.verification === 'guarantee_backed' && cw === null) add('claim_window', 'is required for a guarantee-backed type');
  if (def.verification === 'capi_verified' && cw !== null) add('claim_window', 'must be null for a cAPI-verified type');
  if (cw) {
    if (!isInt(cw.minDays, 1, 3650)) add('claim_window.min_days', 'must be a whole number of days from 1 to 3650');
    if (!isInt(cw.maxDays, 1, 3650)) add('claim_window.max_days', 'must be a whole number of days from 1 to 3650');
    if (!isInt(cw.defaultDays, 1, 3650)) add('claim_window.default_days', 'must be a whole number of days from 1 to 3650');
    else if (cw.defaultDays < cw.minDays || cw.defaultDays > cw.maxDays) add('claim_window.default_days', 'must lie between min_days and max_days');
  }

  const { minMicros, maxMicros } = def.typicalPrice;
  if (!isInt(minMicros, 1, MAX_PRICE_MICROS)) add('typical_price.min', 'must be above zero and at most 1000000.00');
  if (!isInt(maxMicros, 1, MAX_PRICE_MICROS)) add('typical_price.max', 'must be above zero and at most 1000000.00');
  else if (minMicros > maxMicros) add('typical_price.min', 'must not exceed max');

  const kinds = (list: readonly { kind: string }[], at: string): Set<string> => {
    const seen = new Set<string>();
    list.forEach((d, i) => {
      if (!SNAKE.test(d.kind)) add(`${at}[${i}].kind`, 'must be snake_case');
      else if (seen.has(d.kind)) add(`${at}[${i}].kind`, `${d.kind} appears twice`);
      seen.add(d.kind);
    });
    return seen;
  };
  const covered = kinds(def.coverage.covered, 'coverage.covered');
  const excluded = kinds(def.coverage.excluded, 'coverage.excluded');
  for (const k of covered) if (excluded.has(k)) add('coverage.excluded', `${k} cannot be both covered and excluded`);
  if (def.verification === 'guarantee_backed' && covered.size === 0) add('coverage.covered', 'a guarantee must cover at least one kind of defect');

  if (!isInt(def.defaultDeliverySeconds, 1, 2_592_000)) add('default_delivery_seconds', 'must be a whole number of seconds from 1 to 2592000 (30 days)');
  const a = def.attribution;
  if (!isInt(a.windowDays, 0, 365)) add('attribution.window_days', 'must be a whole number of days from 0 to 365');
  if (a.defaultOutcome !== 'success' && a.defaultOutcome !== 'failure') add('attribution.default_outcome', 'must be success or failure');
  if (blank(a.rule)) add('attribution.rule', 'must say what happens when no conversion arrives');
  return problems;
}
