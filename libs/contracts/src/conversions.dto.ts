import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';
import { idPattern } from './ids';
import { IsUsd } from './money';
import { ForVariant } from './validators';

/** What a buyer can report about an outcome (or a session) after the fact. */
export const CONVERSION_EVENT_TYPES = [
  'outcome.success',
  'outcome.failure',
  'outcome.partial',
  'outcome.completed',
  'outcome.expired',
  'guarantee.claim',
  'guarantee.evidence',
  'guarantee.withdraw',
  'feedback.rating',
  'feedback.correction',
  'feedback.comment',
] as const;
export type ConversionEventType = (typeof CONVERSION_EVENT_TYPES)[number];

/** Who observed it: self reports weigh least, reviewers and trusted integrations more. */
export const CONVERSION_SOURCES = ['self_report', 'human_reviewer', 'webhook', 'automated_test', 'agent_runner'] as const;
export type ConversionSource = (typeof CONVERSION_SOURCES)[number];

const CLAIM_EVENTS = ['guarantee.evidence', 'guarantee.withdraw'];

/** `outcome_id`: an outcome id, or absent when `session_id` is given (exactly one of the two). */
function OutcomeOrSession(): PropertyDecorator {
  const problem = (o: { outcome_id?: unknown; session_id?: unknown }): string | null => {
    if (o.outcome_id === undefined) return o.session_id === undefined ? 'outcome_id or session_id is required' : null;
    if (o.session_id !== undefined) return 'give outcome_id or session_id, not both';
    return typeof o.outcome_id === 'string' && idPattern('out').test(o.outcome_id) ? null : 'outcome_id must be an outcome id (out_…)';
  };
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'outcomeOrSession',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (_v: unknown, args: ValidationArguments) => problem(args.object as never) === null,
        defaultMessage: (args: ValidationArguments) => problem(args.object as never) ?? '',
      },
    });
}

export class OutcomeValueDto {
  @ApiProperty({ example: '15.00', description: 'What the outcome was worth to you, in USD' })
  @IsUsd()
  amount!: string;

  @ApiPropertyOptional({ enum: ['USD'], default: 'USD' })
  @IsOptional()
  @IsIn(['USD'])
  currency?: 'USD';

  @ApiPropertyOptional({ example: 'ticket_value' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  value_type?: string;
}

export class ClaimDetailsDto {
  @ApiProperty({ example: 'outcome_failed', description: 'outcome_failed, outcome_caused_damage, sla_breach, or a defect kind the outcome type covers' })
  @Matches(/^[a-z][a-z0-9_]{0,63}$/, { message: 'claim_type must be a lowercase snake_case kind' })
  claim_type!: string;

  @ApiProperty()
  @IsString()
  @Length(1, 5000)
  description!: string;

  @ApiProperty({ example: '500.00' })
  @IsUsd({ positive: true })
  requested_amount!: string;
}

export class ConversionEventDto {
  @ApiProperty({ example: 'zd_ticket_8812_resolved', description: 'Yours, unique per event: a repeat is acknowledged and not processed again' })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, { message: 'event_id must be 1 to 128 letters, digits, _ . : or -, starting with a letter or digit' })
  event_id!: string;

  @ApiProperty({ enum: CONVERSION_EVENT_TYPES })
  @IsIn(CONVERSION_EVENT_TYPES)
  event_type!: ConversionEventType;

  @ApiProperty({ example: '2026-11-29T10:30:00Z', description: 'When it happened: at most 7 days ago and 10 minutes ahead' })
  @IsISO8601({ strict: true })
  event_time!: string;

  @ApiPropertyOptional({ example: 'out_01J…' })
  @OutcomeOrSession()
  outcome_id?: string;

  @ApiPropertyOptional({ example: 'sess_01J…', description: 'Instead of outcome_id: the conversation as a whole' })
  @IsOptional()
  @Matches(idPattern('sess'), { message: 'session_id must be a session id (sess_…)' })
  session_id?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { resolution_confirmed: true, no_reopen_24h: true } })
  @IsOptional()
  @IsObject()
  success_criteria_results?: Record<string, unknown>;

  @ApiPropertyOptional({ type: OutcomeValueDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => OutcomeValueDto)
  outcome_value?: OutcomeValueDto;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { method: 'customer_survey', confidence: 0.95 } })
  @IsOptional()
  @IsObject()
  verification?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: CONVERSION_SOURCES, default: 'self_report' })
  @IsOptional()
  @IsIn(CONVERSION_SOURCES)
  source?: ConversionSource;

  @ApiPropertyOptional({ minimum: 0, maximum: 1 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  score?: number;

  @ApiPropertyOptional({ type: [String], example: ['refund', 'vip'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[a-z0-9][a-z0-9_.:-]{0,63}$/, { each: true, message: 'labels must be lowercase tags of at most 64 characters' })
  labels?: string[];

  @ApiPropertyOptional({ description: 'Hashed with SHA-256 on arrival; the text itself is never stored' })
  @IsOptional()
  @IsString()
  @Length(1, 10_000)
  notes?: string;

  @ApiPropertyOptional({ example: 'TEST123', description: 'Marks a test event: kept apart, moves no money and no scores' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'test_event_code must be 1 to 64 letters, digits, _ or -' })
  test_event_code?: string;

  @ApiPropertyOptional({ type: ClaimDetailsDto, description: 'guarantee.claim: the claim' })
  @ForVariant('event_type', ['guarantee.claim'], (v) => typeof v === 'object' && v !== null, 'an object')
  @ValidateNested()
  @Type(() => ClaimDetailsDto)
  claim?: ClaimDetailsDto;

  @ApiPropertyOptional({ example: 'clm_01J…', description: 'guarantee.evidence and guarantee.withdraw: the claim' })
  @ForVariant('event_type', CLAIM_EVENTS, (v) => typeof v === 'string' && idPattern('clm').test(v), 'a claim id (clm_…)')
  claim_id?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 5, description: 'feedback.rating: 1 to 5' })
  @ForVariant('event_type', ['feedback.rating'], (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 5, 'a whole number from 1 to 5')
  rating?: number;
}

/** A batch as it arrives: its events are validated one by one, so one bad event does not sink the rest. */
export class RawConversionBatchDto {
  @ApiProperty({ type: [ConversionEventDto], description: '1 to 1,000 events; each is answered on its own' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  events!: unknown[];
}

/** One event's answer in a batch (and the body of a single event's answer). */
export interface ConversionResult {
  readonly event_id: string;
  /** accepted: recorded now; duplicate: recorded before, not processed again; rejected / not_found: not recorded. */
  readonly status: 'accepted' | 'duplicate' | 'rejected' | 'not_found';
  readonly test?: boolean;
  readonly error?: { readonly code: string; readonly message: string; readonly fields?: ReadonlyArray<{ readonly field: string; readonly reason: string }> };
}

export const CAPI_COMMANDS = {
  ingest: 'cmd.capi-ingest.ingest',
  get: 'cmd.capi-ingest.getEvent',
} as const;

/**
 * `CAPI_COMMANDS.ingest` carries the batch as the buyer sent it (`{ "events": [...] }`, checked by
 * `checkConversionBatch`, each event by `checkConversionEvent`), so the gateway forwards the body's
 * bytes without parsing them; who reports it travels in these headers.
 */
export const CAPI_CALLER_HEADERS = { buyerId: 'outcomes-buyer-id', actor: 'outcomes-actor' } as const;

export class GetConversionCommand {
  @Matches(idPattern('buy')) buyer_id!: string;
  @IsString() @Length(1, 128) event_id!: string;
}

/** What the auction answers about the outcomes and sessions a batch of conversions names. */
export const OUTCOME_LOOKUP = 'cmd.auction.lookupOutcomes';

export class LookupOutcomesCommand {
  @Matches(idPattern('buy')) buyer_id!: string;
  @IsArray() @ArrayMaxSize(1000) @IsString({ each: true }) outcome_ids!: string[];
  @IsArray() @ArrayMaxSize(1000) @IsString({ each: true }) session_ids!: string[];
}

export interface LookedUpOutcome {
  readonly outcome_id: string;
  readonly session_id: string | null;
  readonly outcome_type: string;
  readonly config_id: string;
  readonly status: string;
  readonly engine_id: string | null;
  readonly ended_at: string | null;
}

export interface OutcomeLookup {
  readonly outcomes: readonly LookedUpOutcome[];
  /** Each session found, with its turns' outcome ids in order. */
  readonly sessions: ReadonlyArray<{ readonly session_id: string; readonly outcome_ids: readonly string[] }>;
}
