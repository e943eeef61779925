import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsString, Length, Max, Min, ValidateNested } from 'class-validator';
import { EXECUTION_KINDS, type ExecutionKind } from './engine-protocol';
import { ForVariant } from './validators';

const isText = (max: number) => (v: unknown) => typeof v === 'string' && v.length >= 1 && v.length <= max;
const isPercent = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100;
const isArtifacts = (v: unknown) =>
  Array.isArray(v) &&
  v.length <= 100 &&
  v.every((a: { name?: unknown; sha256?: unknown; uri?: unknown }) => isText(200)(a?.name) && typeof a.sha256 === 'string' && /^[0-9a-f]{64}$/.test(a.sha256) && (a.uri === undefined || isText(2000)(a.uri)));

/**
 * One step of a webhook engine's execution, as it posts it back: `seq` numbers its reports from 1
 * (a repeated `seq` is ignored, so a retried post is harmless); the fields are those of its kind.
 */
export class ExecutionReportDto {
  @ApiProperty({ minimum: 1, description: 'Numbers this outcome’s reports 1, 2, 3…; each is applied once, in order' })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  seq!: number;

  @ApiProperty({ enum: EXECUTION_KINDS })
  @IsIn(EXECUTION_KINDS)
  kind!: ExecutionKind;

  @ApiPropertyOptional({ description: 'message: the assistant text' })
  @ForVariant('kind', ['message'], isText(100_000), 'a string of 1 to 100000 characters')
  content?: string;

  @ApiPropertyOptional({ description: 'tool_call: the tool name' })
  @ForVariant('kind', ['tool_call'], isText(200), 'a string of 1 to 200 characters')
  name?: string;

  @ApiPropertyOptional({ description: 'tool_call: its arguments' })
  @ForVariant('kind', ['tool_call'], () => true, 'any JSON value', true)
  arguments?: unknown;

  @ApiPropertyOptional({ minimum: 0, maximum: 100, description: 'checkpoint: how far along' })
  @ForVariant('kind', ['checkpoint'], isPercent, 'a number from 0 to 100')
  progress_percent?: number;

  @ApiPropertyOptional({ description: 'checkpoint: what it is doing' })
  @ForVariant('kind', ['checkpoint'], isText(200), 'a string of 1 to 200 characters')
  phase?: string;

  @ApiPropertyOptional({ description: 'checkpoint: seconds until it expects to finish' })
  @ForVariant('kind', ['checkpoint'], (v) => v === null || (typeof v === 'number' && v >= 0 && v <= 86_400 * 30), 'null or a number of seconds', true)
  estimated_completion_seconds?: number | null;

  @ApiPropertyOptional({ description: 'completed: the result' })
  @ForVariant('kind', ['completed'], (v) => v !== null, 'present (any JSON value but null)')
  result?: unknown;

  @ApiPropertyOptional({ description: 'completed: files it produced, each with its SHA-256' })
  @ForVariant('kind', ['completed'], isArtifacts, 'an array of at most 100 {name, sha256 (64 hex digits), uri?}', true)
  artifacts?: Array<{ name: string; sha256: string; uri?: string }>;

  @ApiPropertyOptional({ description: 'completed, in a session: the turn is answered but the conversation goes on' })
  @ForVariant('kind', ['completed'], (v) => typeof v === 'boolean', 'a boolean', true)
  session_open?: boolean;

  @ApiPropertyOptional({ description: 'escalated: what triggered it' })
  @ForVariant('kind', ['escalated'], isText(100), 'a string of 1 to 100 characters')
  trigger?: string;

  @ApiPropertyOptional({ description: 'escalated: details' })
  @ForVariant('kind', ['escalated'], isText(5000), 'a string of 1 to 5000 characters')
  details?: string;

  @ApiPropertyOptional({ description: 'escalated: a summary for the human who takes over' })
  @ForVariant('kind', ['escalated'], isText(20_000), 'a string of 1 to 20000 characters')
  summary?: string;

  @ApiPropertyOptional({ description: 'escalated: the conversation so far' })
  @ForVariant('kind', ['escalated'], () => true, 'any JSON value', true)
  transcript?: unknown;

  @ApiPropertyOptional({ description: 'escalated: how much of the work is done' })
  @ForVariant('kind', ['escalated'], isPercent, 'a number from 0 to 100')
  work_completed_percent?: number;

  @ApiPropertyOptional({ description: 'failed: why' })
  @ForVariant('kind', ['failed'], isText(5000), 'a string of 1 to 5000 characters')
  reason?: string;
}

export class ExecutionReportsDto {
  @ApiProperty({ type: [ExecutionReportDto], description: '1 to 100 reports, applied in the order of their seq' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ExecutionReportDto)
  events!: ExecutionReportDto[];
}

export class ReportExecutionCommand extends ExecutionReportsDto {
  @IsString() @Length(1, 2000) token!: string;
  @IsString() @Length(1, 64) outcome_id!: string;
}

export class RedeemCredentialDto {
  @ApiProperty({ description: 'The credentials_ref.ref of a context source in the award' })
  @IsString()
  @Length(1, 4000)
  ref!: string;
}

export class RedeemCredentialCommand extends RedeemCredentialDto {
  @IsString() @Length(1, 2000) token!: string;
}

export const ENGINE_CALLBACK_COMMANDS = {
  reportExecution: 'cmd.engine-gateway.reportExecution',
  redeemCredential: 'cmd.engine-gateway.redeemCredential',
} as const;
