import { CONVERSION_EVENT_TYPES, CONVERSION_SOURCES, type ConversionEventDto } from './conversions.dto';
import { idPattern } from './ids';
import { isUsd, parseUsd } from './money';

export interface FieldProblem {
  readonly field: string;
  readonly reason: string;
}

const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const LABEL = /^[a-z0-9][a-z0-9_.:-]{0,63}$/;
const TEST_CODE = /^[A-Za-z0-9_-]{1,64}$/;
const CLAIM_TYPE = /^[a-z][a-z0-9_]{0,63}$/;
// class-validator's strict ISO 8601: a calendar date and time with an optional zone, that exists.
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const OUT = idPattern('out');
const SESS = idPattern('sess');
const CLM = idPattern('clm');
const BUY = idPattern('buy');

const KEYS = new Set([
  'event_id',
  'event_type',
  'event_time',
  'outcome_id',
  'session_id',
  'success_criteria_results',
  'outcome_value',
  'verification',
  'source',
  'score',
  'labels',
  'notes',
  'test_event_code',
  'claim',
  'claim_id',
  'rating',
]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown, min: number, max: number): v is string => typeof v === 'string' && v.length >= min && v.length <= max;

/**
 * The Conversions API's event rules as one pass over the JSON: the same verdicts as
 * `ConversionEventDto` with class-validator (a test holds them to it), at a fraction of the cost,
 * which matters at thousands of events per second. Field paths start with `at`.
 */
export function checkConversionEvent(raw: unknown, at = ''): { readonly event: ConversionEventDto | null; readonly problems: FieldProblem[] } {
  const p = (field: string) => (at === '' ? field : `${at}.${field}`);
  if (!isObject(raw)) return { event: null, problems: [{ field: at === '' ? 'body' : at, reason: 'must be an object' }] };
  const problems: FieldProblem[] = [];
  const bad = (field: string, reason: string) => problems.push({ field: p(field), reason });
  for (const k of Object.keys(raw)) if (!KEYS.has(k)) bad(k, `property ${k} should not exist`);
  const e = raw as Record<string, unknown>;
  if (typeof e['event_id'] !== 'string' || !EVENT_ID.test(e['event_id'])) bad('event_id', 'event_id must be 1 to 128 letters, digits, _ . : or -, starting with a letter or digit');
  const type = e['event_type'];
  if (!(CONVERSION_EVENT_TYPES as readonly unknown[]).includes(type)) bad('event_type', `event_type must be one of the following values: ${CONVERSION_EVENT_TYPES.join(', ')}`);
  const time = e['event_time'];
  if (typeof time !== 'string' || !ISO.test(time) || Number.isNaN(Date.parse(time))) bad('event_time', 'event_time must be a valid ISO 8601 date string');
  const outcome = e['outcome_id'];
  const session = e['session_id'];
  if (outcome === undefined) {
    if (session === undefined) bad('outcome_id', 'outcome_id or session_id is required');
  } else if (session !== undefined) bad('outcome_id', 'give outcome_id or session_id, not both');
  else if (typeof outcome !== 'string' || !OUT.test(outcome)) bad('outcome_id', 'outcome_id must be an outcome id (out_…)');
  if (session !== undefined && (typeof session !== 'string' || !SESS.test(session))) bad('session_id', 'session_id must be a session id (sess_…)');
  for (const k of ['success_criteria_results', 'verification']) if (e[k] !== undefined && !isObject(e[k])) bad(k, `${k} must be an object`);
  const value = e['outcome_value'];
  if (value !== undefined) {
    if (!isObject(value)) bad('outcome_value', 'nested property outcome_value must be either object or array');
    else {
      for (const k of Object.keys(value)) if (!['amount', 'currency', 'value_type'].includes(k)) bad(`outcome_value.${k}`, `property ${k} should not exist`);
      if (!isUsd(value['amount'])) bad('outcome_value.amount', 'amount must be a decimal string of USD with at most 6 decimals, e.g. "0.42"');
      if (value['currency'] !== undefined && value['currency'] !== 'USD') bad('outcome_value.currency', 'currency must be one of the following values: USD');
      if (value['value_type'] !== undefined && !isText(value['value_type'], 1, 64)) bad('outcome_value.value_type', 'value_type must be longer than or equal to 1 and shorter than or equal to 64 characters');
    }
  }
  if (e['source'] !== undefined && !(CONVERSION_SOURCES as readonly unknown[]).includes(e['source'])) bad('source', `source must be one of the following values: ${CONVERSION_SOURCES.join(', ')}`);
  const score = e['score'];
  if (score !== undefined && !(typeof score === 'number' && Number.isFinite(score) && score >= 0 && score <= 1)) bad('score', 'score must be a number from 0 to 1');
  const labels = e['labels'];
  if (labels !== undefined && !(Array.isArray(labels) && labels.length <= 20 && labels.every((l) => typeof l === 'string' && LABEL.test(l)))) {
    bad('labels', 'labels must be at most 20 lowercase tags of at most 64 characters');
  }
  if (e['notes'] !== undefined && !isText(e['notes'], 1, 10_000)) bad('notes', 'notes must be longer than or equal to 1 and shorter than or equal to 10000 characters');
  if (e['test_event_code'] !== undefined && !(typeof e['test_event_code'] === 'string' && TEST_CODE.test(e['test_event_code']))) bad('test_event_code', 'test_event_code must be 1 to 64 letters, digits, _ or -');
  const variant = (field: string, types: readonly string[], ok: (v: unknown) => boolean, what: string) => {
    const v = e[field];
    if (!types.includes(type as string)) {
      if (v !== undefined) bad(field, `${field} applies only when event_type is ${types.join(' or ')}`);
    } else if (v === undefined) bad(field, `${field} is required when event_type is ${String(type)}`);
    else if (!ok(v)) bad(field, `${field} must be ${what} when event_type is ${String(type)}`);
  };
  variant('claim', ['guarantee.claim'], isObject, 'an object');
  const claim = e['claim'];
  if (isObject(claim)) {
    for (const k of Object.keys(claim)) if (!['claim_type', 'description', 'requested_amount'].includes(k)) bad(`claim.${k}`, `property ${k} should not exist`);
    if (typeof claim['claim_type'] !== 'string' || !CLAIM_TYPE.test(claim['claim_type'])) bad('claim.claim_type', 'claim_type must be a lowercase snake_case kind');
    if (!isText(claim['description'], 1, 5000)) bad('claim.description', 'description must be longer than or equal to 1 and shorter than or equal to 5000 characters');
    if (!(isUsd(claim['requested_amount']) && parseUsd(claim['requested_amount']) > 0)) bad('claim.requested_amount', 'requested_amount must be a positive decimal string of USD with at most 6 decimals, e.g. "0.42"');
  }
  variant('claim_id', ['guarantee.evidence', 'guarantee.withdraw'], (v) => typeof v === 'string' && CLM.test(v), 'a claim id (clm_…)');
  variant('rating', ['feedback.rating'], (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 5, 'a whole number from 1 to 5');
  return { event: problems.length === 0 ? (raw as unknown as ConversionEventDto) : null, problems };
}

/** "2 invalid fields: events[3].event_time, events[3].score": the message of a validation refusal. */
export const describeProblems = (problems: readonly FieldProblem[]): string =>
  `${problems.length} invalid field${problems.length === 1 ? '' : 's'}: ${problems.map((f) => f.field).join(', ')}`;

/** The most events one batch may carry. */
export const MAX_CONVERSION_BATCH = 1000;

/**
 * A batch's envelope (`{ events: [...] }`, 1 to 1,000 events), checked without copying the
 * events: each is then checked on its own with `checkConversionEvent`.
 */
export function checkConversionBatch(raw: unknown): { readonly events: readonly unknown[] | null; readonly problems: FieldProblem[] } {
  if (!isObject(raw)) return { events: null, problems: [{ field: 'body', reason: 'must be an object' }] };
  const problems: FieldProblem[] = [];
  for (const k of Object.keys(raw)) if (k !== 'events') problems.push({ field: k, reason: `property ${k} should not exist` });
  const events = raw['events'];
  if (!Array.isArray(events)) problems.push({ field: 'events', reason: 'events must be an array' });
  else if (events.length < 1) problems.push({ field: 'events', reason: 'events must contain at least 1 event' });
  else if (events.length > MAX_CONVERSION_BATCH) problems.push({ field: 'events', reason: `events must contain no more than ${MAX_CONVERSION_BATCH} events` });
  return { events: problems.length === 0 ? (events as unknown[]) : null, problems };
}

/** Who reports a batch to capi-ingest (`CAPI_CALLER_HEADERS`): a buyer id and an actor of 1 to 64 characters. */
export function checkIngestCaller(buyerId: unknown, actor: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (typeof buyerId !== 'string' || !BUY.test(buyerId)) problems.push({ field: 'buyer_id', reason: 'buyer_id must be a buyer id (buy_…)' });
  if (!isText(actor, 1, 64)) problems.push({ field: 'actor', reason: 'actor must be 1 to 64 characters' });
  return problems;
}
