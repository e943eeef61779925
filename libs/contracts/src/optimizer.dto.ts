import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ENGINE_SUBJECTS } from './engine-protocol';
import { IsArray, IsIn, IsInt, IsNumber, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';

/** The delivery optimizer's commands: the auction asks for a quote; the gateway asks for reports. */
export const OPTIMIZER_COMMANDS = {
  quote: 'cmd.delivery-optimizer.quote',
  performance: 'cmd.delivery-optimizer.performance',
  leaderboard: 'cmd.delivery-optimizer.leaderboard',
} as const;

/**
 * Where the optimizer publishes what a quote reads (`QuoteState` of the domain library), every
 * few hundred milliseconds when it changed: an auction quotes from its copy in its own process
 * and asks `OPTIMIZER_COMMANDS.quote` only when its copy is missing or stale.
 */
export const OPTIMIZER_QUOTE_STATE_SUBJECT = 'optimizer.quote-state';

/** Where the optimizer tells each engine how it is doing (`PerformanceFeedback`): `engine.<id>.feedback`; the engine-gateway posts it on to webhook engines. */
export const engineFeedbackSubject = (engineId: string) => ENGINE_SUBJECTS.feedback(engineId);

export class QuoteStrategy {
  @IsIn(['bid_cap', 'cost_per_result', 'roas_goal', 'highest_volume']) type!: 'bid_cap' | 'cost_per_result' | 'roas_goal' | 'highest_volume';
  @IsOptional() @IsInt() @Min(0) cap_micros?: number;
  @IsOptional() @IsInt() @Min(1) goal_micros?: number;
  @IsOptional() @IsNumber() @Min(0.0001) roas_goal?: number;
}

export class QuoteBudget {
  @IsString() @Length(1, 200) id!: string;
  @IsInt() @Min(0) amount_micros!: number;
  @IsInt() period_start!: number;
  @IsOptional() @IsInt() period_end?: number | null;
}

/** The auction's question before it invites bids: how likely each engine is to succeed, and the most the buyer pays. */
export class QuoteCommand {
  @IsString() @Length(1, 100) buyer_id!: string;
  @IsString() @Length(1, 100) config_id!: string;
  @IsString() @Length(1, 200) outcome_type!: string;
  @IsArray() @IsString({ each: true }) engines!: string[];
  @IsOptional() @ValidateNested() @Type(() => QuoteStrategy) strategy?: QuoteStrategy | null;
  @IsOptional() @ValidateNested() @Type(() => QuoteBudget) budget?: QuoteBudget | null;
  @IsOptional() @IsNumber() @Min(0) @Max(1) confidence_threshold?: number | null;
  @IsOptional() @IsInt() @Min(0) typical_max_micros?: number | null;
}

export interface QuoteAnswer {
  readonly probabilities: Record<string, number>;
  readonly explored: string[];
  readonly ceiling_micros: number | null;
  readonly engine_ceilings: Record<string, number> | null;
  readonly strategy: string;
  readonly goal: number | null;
  readonly escalate: { readonly trigger: string; readonly details: string } | null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `GET /v1/reports/performance`: per outcome type and engine over time. */
export class PerformanceQueryDto {
  @ApiPropertyOptional({ enum: ['day', 'week'], default: 'week' })
  @IsOptional()
  @IsIn(['day', 'week'])
  granularity?: 'day' | 'week';

  @ApiPropertyOptional({ example: 'cs.resolve' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  outcome_type?: string;

  @ApiPropertyOptional({ example: '2026-11-01', description: 'first day (UTC), inclusive' })
  @IsOptional()
  @Matches(DAY, { message: 'must be a date, YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-11-30', description: 'last day (UTC), inclusive' })
  @IsOptional()
  @Matches(DAY, { message: 'must be a date, YYYY-MM-DD' })
  to?: string;
}

export class PerformanceReportCommand extends PerformanceQueryDto {
  /** One buyer's outcomes; every buyer's when absent (operator). */
  @IsOptional() @IsString() @Length(1, 100) buyer_id?: string;
}

export class LeaderboardCommand {
  @IsOptional() @IsString() @Length(1, 200) outcome_type?: string;
}

