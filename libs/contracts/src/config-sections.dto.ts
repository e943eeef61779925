import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsUsd } from './money';
import { ForVariant, IsCriterionValue, IsScalarRecord, IsStringRecord, isHttpUrl, isNonEmptyString, isStringArray } from './validators';

const SNAKE = /^[a-z][a-z0-9_]*$/;

export class ContextSourceDto {
  @ApiProperty({ maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ enum: ['inline', 'url', 'mcp_server', 'file_reference'] })
  @IsIn(['inline', 'url', 'mcp_server', 'file_reference'])
  type!: 'inline' | 'url' | 'mcp_server' | 'file_reference';

  @ApiPropertyOptional({ description: 'inline: the text' })
  @ForVariant('type', ['inline'], isNonEmptyString(100_000), 'text of at most 100000 characters')
  content?: string;

  @ApiPropertyOptional({ description: 'url: the document; mcp_server: the server' })
  @ForVariant('type', ['url', 'mcp_server'], isHttpUrl, 'an http(s) URL')
  url?: string;

  @ApiPropertyOptional({ type: [String], description: 'mcp_server: tools the engine may call (empty: all)' })
  @ForVariant('type', ['mcp_server'], isStringArray(100, 100), 'a list of tool names', true)
  server_tools?: string[];

  @ApiPropertyOptional({ description: 'file_reference: the uploaded file id' })
  @ForVariant('type', ['file_reference'], isNonEmptyString(200), 'a file id')
  file_id?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsScalarRecord()
  metadata?: Record<string, string | number | boolean>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'Connector credentials: encrypted at rest, never returned' })
  @IsOptional()
  @IsStringRecord()
  credentials?: Record<string, string>;
}

export class ToolLimitsDto {
  @ApiPropertyOptional({ example: '50.00', description: 'Largest amount one call may move' })
  @IsOptional()
  @IsUsd()
  max_amount?: string;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  max_calls_per_outcome?: number;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  require_approval?: boolean;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  allowed_values?: string[];
}

export class ToolDto {
  @ApiProperty({ example: 'process_refund' })
  @Matches(SNAKE, { message: 'name must be snake_case' })
  @Length(1, 64)
  name!: string;

  @ApiProperty({ enum: ['mcp_server', 'api', 'function'] })
  @IsIn(['mcp_server', 'api', 'function'])
  kind!: 'mcp_server' | 'api' | 'function';

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @ValidateIf((_o, v) => v !== undefined)
  @Matches(/^https?:\/\/\S+$/, { message: 'endpoint must be an http(s) URL' })
  endpoint?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  permissions?: string[];

  @ApiPropertyOptional({ type: ToolLimitsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ToolLimitsDto)
  limits?: ToolLimitsDto;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsStringRecord()
  credentials?: Record<string, string>;
}

export class ToolsDto {
  @ApiPropertyOptional({ type: [ToolDto], description: 'Actions that only read' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ToolDto)
  read_only?: ToolDto[];

  @ApiPropertyOptional({ type: [ToolDto], description: 'Actions that change the buyer’s systems' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ToolDto)
  write?: ToolDto[];
}

export class CriterionDto {
  @ApiProperty({ example: 'customer_satisfaction' })
  @Matches(SNAKE, { message: 'metric must be snake_case' })
  @Length(1, 64)
  metric!: string;

  @ApiProperty({ enum: ['eq', 'gt', 'gte', 'lt', 'lte', 'contains', 'matches'] })
  @IsIn(['eq', 'gt', 'gte', 'lt', 'lte', 'contains', 'matches'])
  operator!: 'eq' | 'gt' | 'gte' | 'lt' | 'lte' | 'contains' | 'matches';

  @ApiProperty({ oneOf: [{ type: 'boolean' }, { type: 'number' }, { type: 'string' }], example: 4 })
  @IsDefined()
  @IsCriterionValue()
  value!: boolean | number | string;
}

export class SuccessCriteriaDto {
  @ApiPropertyOptional({ type: [CriterionDto], description: 'All must hold for success' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => CriterionDto)
  required?: CriterionDto[];

  @ApiPropertyOptional({ type: [CriterionDto], description: 'Tracked, not required' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => CriterionDto)
  optional?: CriterionDto[];
}

export class DeliveryConstraintsDto {
  @ApiProperty({ minimum: 1, maximum: 2_592_000, example: 300 })
  @IsInt()
  @Min(1)
  @Max(2_592_000)
  max_latency_seconds!: number;

  @ApiPropertyOptional({ enum: ['fastest', 'balanced', 'cost_optimized'], default: 'balanced' })
  @IsOptional()
  @IsIn(['fastest', 'balanced', 'cost_optimized'])
  latency_preference?: 'fastest' | 'balanced' | 'cost_optimized';

  @ApiPropertyOptional({ minimum: 1, description: 'Seconds from the request’s start' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(31_536_000)
  deadline_seconds?: number;

  @ApiPropertyOptional({ enum: ['hard', 'soft'], default: 'soft' })
  @IsOptional()
  @IsIn(['hard', 'soft'])
  deadline_type?: 'hard' | 'soft';

  @ApiPropertyOptional({ minimum: 1, maximum: 10, default: 3 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10)
  max_attempts?: number;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  checkpoint_interval_seconds?: number;
}
