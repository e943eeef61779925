import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { IsUsd, isPositiveUsd } from './money';
import { ForVariant, IsStringRecord, isNonEmptyString, isStringArray, isWebhookUrl } from './validators';

const TRIGGERS = ['confidence_threshold', 'max_attempts', 'timeout', 'explicit_request', 'policy_violation', 'out_of_scope'] as const;
const ENGINE_PATTERN = /^[a-z0-9*][a-z0-9._*-]*$/;
const isEmail = (v: unknown) => typeof v === 'string' && v.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v);

export class TriggerDto {
  @ApiProperty({ enum: TRIGGERS })
  @IsIn(TRIGGERS)
  type!: (typeof TRIGGERS)[number];

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'confidence_threshold: escalate below this' })
  @ForVariant('type', ['confidence_threshold'], (v) => typeof v === 'number' && v >= 0 && v <= 1, 'a number from 0 to 1')
  threshold?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 10, description: 'max_attempts' })
  @ForVariant('type', ['max_attempts'], (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 10, 'a whole number from 1 to 10')
  attempts?: number;

  @ApiPropertyOptional({ minimum: 1, description: 'timeout' })
  @ForVariant('type', ['timeout'], (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 2_592_000, 'a whole number of seconds')
  seconds?: number;

  @ApiPropertyOptional({ type: [String], description: 'explicit_request: phrases that ask for a human' })
  @ForVariant('type', ['explicit_request'], (v) => isStringArray(50, 200)(v) && (v as string[]).length > 0, 'a non-empty list of phrases')
  patterns?: string[];

  @ApiPropertyOptional({ type: [String], description: 'policy_violation' })
  @ForVariant('type', ['policy_violation'], isStringArray(50, 200), 'a list of policy names', true)
  policies?: string[];

  @ApiPropertyOptional({ type: [String], description: 'out_of_scope' })
  @ForVariant('type', ['out_of_scope'], isStringArray(50, 200), 'a list of topics', true)
  topics?: string[];
}

export class DestinationDto {
  @ApiProperty({ enum: ['webhook', 'queue', 'email'] })
  @IsIn(['webhook', 'queue', 'email'])
  type!: 'webhook' | 'queue' | 'email';

  @ApiPropertyOptional({ description: 'webhook' })
  @ForVariant('type', ['webhook'], isWebhookUrl, 'an https URL (http only to localhost)')
  url?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'webhook: signing secret or headers, encrypted at rest, never returned' })
  @ForVariant('type', ['webhook'], () => true, 'an object of strings', true)
  @IsOptional()
  @IsStringRecord()
  credentials?: Record<string, string>;

  @ApiPropertyOptional({ description: 'queue' })
  @ForVariant('type', ['queue'], isNonEmptyString(200), 'a queue name')
  queue_name?: string;

  @ApiPropertyOptional({ description: 'queue: connection name' })
  @ForVariant('type', ['queue'], isNonEmptyString(500), 'a connection name', true)
  connection?: string;

  @ApiPropertyOptional({ description: 'email' })
  @ForVariant('type', ['email'], isEmail, 'an email address')
  address?: string;

  @ApiPropertyOptional({ description: 'email: template name' })
  @ForVariant('type', ['email'], isNonEmptyString(200), 'a template name', true)
  template?: string;
}

export class HandoffDto {
  @ApiProperty({ type: DestinationDto })
  @ValidateNested()
  @Type(() => DestinationDto)
  destination!: DestinationDto;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  include_summary?: boolean;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  include_transcript?: boolean;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  include_context?: boolean;
}

export class PartialBillingDto {
  @ApiProperty({ enum: ['none', 'fixed_triage_fee', 'percentage_complete'] })
  @IsIn(['none', 'fixed_triage_fee', 'percentage_complete'])
  model!: 'none' | 'fixed_triage_fee' | 'percentage_complete';

  @ApiPropertyOptional({ example: '0.10', description: 'fixed_triage_fee' })
  @ForVariant('model', ['fixed_triage_fee'], isPositiveUsd, 'a decimal string of US dollars above zero')
  fee?: string;
}

export class EscalationPolicyDto {
  @ApiProperty()
  @IsBoolean()
  enabled!: boolean;

  @ApiPropertyOptional({ type: [TriggerDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => TriggerDto)
  triggers?: TriggerDto[];

  @ApiPropertyOptional({ type: HandoffDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => HandoffDto)
  handoff?: HandoffDto;

  @ApiPropertyOptional({ type: PartialBillingDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => PartialBillingDto)
  partial_billing?: PartialBillingDto;
}

export class BidStrategyDto {
  @ApiProperty({ enum: ['highest_volume', 'cost_per_result', 'roas_goal', 'bid_cap'] })
  @IsIn(['highest_volume', 'cost_per_result', 'roas_goal', 'bid_cap'])
  type!: 'highest_volume' | 'cost_per_result' | 'roas_goal' | 'bid_cap';

  @ApiPropertyOptional({ example: '0.50', description: 'cost_per_result: the average to aim for' })
  @ForVariant('type', ['cost_per_result'], isPositiveUsd, 'a decimal string of US dollars above zero, such as "0.50"')
  cost_per_result_goal?: string;

  @ApiPropertyOptional({ example: 1.5, description: 'roas_goal: outcome value per dollar spent' })
  @ForVariant('type', ['roas_goal'], (v) => typeof v === 'number' && v > 0 && v <= 1000, 'a number above 0 and at most 1000')
  roas_goal?: number;

  @ApiPropertyOptional({ example: '1.00', description: 'bid_cap: never pay more per outcome' })
  @ForVariant('type', ['bid_cap'], isPositiveUsd, 'a decimal string of US dollars above zero, such as "1.00"')
  bid_cap?: string;
}

export class BudgetDto {
  @ApiProperty({ example: '500.00' })
  @IsUsd({ positive: true })
  amount!: string;

  @ApiProperty({ enum: ['daily', 'weekly', 'monthly', 'total'] })
  @IsIn(['daily', 'weekly', 'monthly', 'total'])
  period!: 'daily' | 'weekly' | 'monthly' | 'total';
}

export class ExecutionPreferencesDto {
  @ApiPropertyOptional({ type: [String], example: ['claude-code', 'gemini-pro-*'], description: 'Empty: every engine' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(ENGINE_PATTERN, { each: true, message: 'allowed_engines must hold engine names or patterns (lowercase, * wildcards)' })
  allowed_engines?: string[];

  @ApiPropertyOptional({ type: [String], example: ['experimental-*'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(ENGINE_PATTERN, { each: true, message: 'blocked_engines must hold engine names or patterns (lowercase, * wildcards)' })
  blocked_engines?: string[];

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @Matches(/^[a-z0-9][a-z0-9._-]*$/, { message: 'preferred_engine must be an engine name' })
  @Length(1, 100)
  preferred_engine?: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'Only this engine may take the work' })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @Matches(/^[a-z0-9][a-z0-9._-]*$/, { message: 'required_engine must be an engine name' })
  @Length(1, 100)
  required_engine?: string | null;

  @ApiPropertyOptional({ type: [String], example: ['code_execution'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  capability_requirements?: string[];
}

export class GuaranteeTermsDto {
  @ApiProperty({ enum: ['none', 'basic', 'standard', 'full'] })
  @IsIn(['none', 'basic', 'standard', 'full'])
  level!: 'none' | 'basic' | 'standard' | 'full';

  @ApiPropertyOptional({ example: '1000.00' })
  @IsOptional()
  @IsUsd({ positive: true })
  max_payout?: string;

  @ApiPropertyOptional({ minimum: 1, description: 'Within the outcome type’s bounds; default: the type’s default' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  claim_window_days?: number;
}

