import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsNumber, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { formatUsd, IsUsd, parseUsd } from './money';
import { OPERATORS, type OutcomeTypeDefinition } from './outcome-type.model';

const SNAKE = /^[a-z][a-z0-9_]*$/;

export class MetricSpecDto {
  @ApiProperty({ example: 'customer_satisfaction' })
  @Matches(SNAKE, { message: 'name must be snake_case' })
  @Length(1, 64)
  name!: string;

  @ApiProperty({ enum: ['boolean', 'number', 'integer', 'string'] })
  @IsIn(['boolean', 'number', 'integer', 'string'])
  type!: 'boolean' | 'number' | 'integer' | 'string';

  @ApiProperty()
  @IsString()
  @MaxLength(500)
  description!: string;

  @ApiProperty({ enum: OPERATORS, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(OPERATORS, { each: true })
  operators!: Array<(typeof OPERATORS)[number]>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  min?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  max?: number;
}

export class SuccessCriteriaSchemaDto {
  @ApiProperty({ example: 'Inquiry resolved without escalation and without the customer reopening it.' })
  @IsString()
  @Length(1, 1000)
  definition!: string;

  @ApiProperty({ type: [MetricSpecDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => MetricSpecDto)
  metrics!: MetricSpecDto[];
}

export class ClaimWindowDto {
  @ApiProperty() @IsInt() @Min(1) @Max(3650) min_days!: number;
  @ApiProperty() @IsInt() @Min(1) @Max(3650) max_days!: number;
  @ApiProperty() @IsInt() @Min(1) @Max(3650) default_days!: number;
}

export class PriceRangeDto {
  @ApiProperty({ example: '0.15' }) @IsUsd({ positive: true }) min!: string;
  @ApiProperty({ example: '0.75' }) @IsUsd({ positive: true }) max!: string;
}

export class DefectKindDto {
  @ApiProperty({ example: 'missed_critical_bug' })
  @Matches(SNAKE, { message: 'kind must be snake_case' })
  @Length(1, 64)
  kind!: string;

  @ApiProperty()
  @IsString()
  @MaxLength(500)
  description!: string;
}

export class CoverageDto {
  @ApiProperty({ type: [DefectKindDto] })
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => DefectKindDto)
  covered!: DefectKindDto[];

  @ApiProperty({ type: [DefectKindDto] })
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => DefectKindDto)
  excluded!: DefectKindDto[];
}

export class AttributionDto {
  @ApiProperty({ example: 7 }) @IsInt() @Min(0) @Max(365) window_days!: number;
  @ApiProperty({ enum: ['success', 'failure'] }) @IsIn(['success', 'failure']) default_outcome!: 'success' | 'failure';
  @ApiProperty({ example: 'successful when neither reopened nor escalated within 7 days' }) @IsString() @Length(1, 500) rule!: string;
}

/** A custom outcome type as an operator registers or revises it. */
export class OutcomeTypeDto {
  @ApiProperty({ example: 'acme.insurance.claim_assessment', description: 'provider.vertical.action' })
  @Matches(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,2}$/, { message: 'key must look like provider.vertical.action' })
  key!: string;

  @ApiProperty() @IsString() @Length(1, 200) name!: string;
  @ApiProperty() @IsString() @MaxLength(2000) description!: string;

  @ApiProperty({ enum: ['capi_verified', 'guarantee_backed'] })
  @IsIn(['capi_verified', 'guarantee_backed'])
  verification!: 'capi_verified' | 'guarantee_backed';

  @ApiProperty({ type: SuccessCriteriaSchemaDto })
  @ValidateNested()
  @Type(() => SuccessCriteriaSchemaDto)
  success_criteria!: SuccessCriteriaSchemaDto;

  @ApiProperty({ type: ClaimWindowDto, nullable: true, description: 'null for cAPI-verified types' })
  @ValidateIf((_o, v) => v !== null)
  @ValidateNested()
  @Type(() => ClaimWindowDto)
  claim_window!: ClaimWindowDto | null;

  @ApiProperty({ type: PriceRangeDto })
  @ValidateNested()
  @Type(() => PriceRangeDto)
  typical_price!: PriceRangeDto;

  @ApiProperty({ type: CoverageDto })
  @ValidateNested()
  @Type(() => CoverageDto)
  coverage!: CoverageDto;

  @ApiProperty({ example: 300 }) @IsInt() @Min(1) @Max(2_592_000) default_delivery_seconds!: number;

  @ApiProperty({ type: AttributionDto })
  @ValidateNested()
  @Type(() => AttributionDto)
  attribution!: AttributionDto;
}

export function toOutcomeTypeDefinition(dto: OutcomeTypeDto): OutcomeTypeDefinition {
  return {
    name: dto.name,
    description: dto.description,
    verification: dto.verification,
    successCriteria: {
      definition: dto.success_criteria.definition,
      metrics: dto.success_criteria.metrics.map((m) => ({
        name: m.name,
        type: m.type,
        description: m.description,
        operators: m.operators,
        ...(m.min === undefined ? {} : { min: m.min }),
        ...(m.max === undefined ? {} : { max: m.max }),
      })),
    },
    claimWindow: dto.claim_window === null ? null : { minDays: dto.claim_window.min_days, maxDays: dto.claim_window.max_days, defaultDays: dto.claim_window.default_days },
    typicalPrice: { minMicros: parseUsd(dto.typical_price.min), maxMicros: parseUsd(dto.typical_price.max) },
    coverage: {
      covered: dto.coverage.covered.map((d) => ({ kind: d.kind, description: d.description })),
      excluded: dto.coverage.excluded.map((d) => ({ kind: d.kind, description: d.description })),
    },
    defaultDeliverySeconds: dto.default_delivery_seconds,
    attribution: { windowDays: dto.attribution.window_days, defaultOutcome: dto.attribution.default_outcome, rule: dto.attribution.rule },
  };
}

/** The public view of one version of an outcome type. */
export function outcomeTypeView(key: string, version: number, def: OutcomeTypeDefinition, publishedAt: string, origin: 'platform' | 'operator') {
  return {
    key,
    object: 'outcome_type' as const,
    version,
    origin,
    name: def.name,
    description: def.description,
    verification: def.verification,
    success_criteria: def.successCriteria,
    claim_window: def.claimWindow === null ? null : { min_days: def.claimWindow.minDays, max_days: def.claimWindow.maxDays, default_days: def.claimWindow.defaultDays },
    typical_price: { min: formatUsd(def.typicalPrice.minMicros), max: formatUsd(def.typicalPrice.maxMicros) },
    coverage: def.coverage,
    default_delivery_seconds: def.defaultDeliverySeconds,
    attribution: { window_days: def.attribution.windowDays, default_outcome: def.attribution.defaultOutcome, rule: def.attribution.rule },
    published_at: publishedAt,
  };
}
