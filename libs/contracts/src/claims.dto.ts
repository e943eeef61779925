import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBase64, IsIn, IsInt, IsOptional, IsString, Length, Matches, Min, ValidateNested } from 'class-validator';
import { idPattern } from './ids';
import { IsUsd } from './money';

/** What an evidence file may be, and how large (it travels over NATS, base64-encoded). */
export const EVIDENCE_CONTENT_TYPES = ['application/pdf', 'image/png', 'image/jpeg', 'text/plain', 'application/json'] as const;
export const EVIDENCE_MAX_BYTES = 512 * 1024;

export class EvidenceNoteDto {
  @ApiProperty({ example: 'document' }) @Matches(/^[a-z][a-z0-9_]{0,39}$/, { message: 'kind must be a lowercase snake_case word' }) kind!: string;
  @ApiProperty({ example: 'The PR with the missed injection highlighted' }) @IsString() @Length(1, 2000) description!: string;
}

export class FileClaimDto {
  @ApiProperty({ example: 'out_01J…' }) @Matches(idPattern('out'), { message: 'outcome_id must be an outcome id (out_…)' }) outcome_id!: string;
  @ApiProperty({ example: 'missed_critical_bug', description: 'outcome_failed, outcome_caused_damage, sla_breach, or a defect kind the outcome type covers' })
  @Matches(/^[a-z][a-z0-9_]{0,63}$/, { message: 'claim_type must be a lowercase snake_case kind' })
  claim_type!: string;
  @ApiProperty() @IsString() @Length(1, 5000) description!: string;
  @ApiProperty({ example: '500.00' }) @IsUsd({ positive: true }) requested_amount!: string;
  @ApiPropertyOptional({ type: [EvidenceNoteDto] }) @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => EvidenceNoteDto) evidence?: EvidenceNoteDto[];
}

export class WithdrawClaimDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 2000) reason?: string;
}

export class DecideClaimDto {
  @ApiProperty({ enum: ['approved', 'partially_approved', 'denied'] }) @IsIn(['approved', 'partially_approved', 'denied']) decision!: 'approved' | 'partially_approved' | 'denied';
  @ApiProperty({ example: '300.00', description: 'approved: the requested amount; partially_approved: less; denied: 0' }) @IsUsd() approved_amount!: string;
  @ApiProperty() @IsString() @Length(1, 5000) findings!: string;
}

export const CLAIM_COMMANDS = {
  file: 'cmd.claims.fileClaim',
  get: 'cmd.claims.getClaim',
  forOutcome: 'cmd.claims.outcomeClaims',
  withdraw: 'cmd.claims.withdrawClaim',
  addEvidence: 'cmd.claims.addEvidence',
  review: 'cmd.claims.startReview',
  decide: 'cmd.claims.decideClaim',
  /** Whether claims reported through the Conversions API may be filed: asked at intake, so a bad one is refused there. */
  check: 'cmd.claims.checkClaims',
} as const;

export class CheckClaimItem {
  @IsString() @Length(1, 64) outcome_id!: string;
  @IsString() @Length(1, 64) claim_type!: string;
  @IsInt() @Min(0) requested_micros!: number;
  @IsString() @Length(1, 64) event_time!: string;
}

export class CheckClaimsCommand {
  @Matches(idPattern('buy')) buyer_id!: string;
  @IsArray() @ArrayMaxSize(1000) @ValidateNested({ each: true }) @Type(() => CheckClaimItem) items!: CheckClaimItem[];
}

/** Per item: the problems that refuse it (empty: it may be filed). */
export type CheckClaimsAnswer = ReadonlyArray<{ readonly problems: ReadonlyArray<{ readonly field: string; readonly reason: string }>; readonly status: 404 | 422 | null }>;

export class FileClaimCommand extends FileClaimDto {
  @Matches(idPattern('buy')) buyer_id!: string;
  @IsString() @Length(1, 64) actor!: string;
}

export class ClaimRefCommand {
  /** Absent for the operator, who sees every claim. */
  @IsOptional() @Matches(idPattern('buy')) buyer_id?: string;
  @IsString() @Length(1, 64) claim_id!: string;
}

export class OutcomeClaimsCommand {
  @Matches(idPattern('buy')) buyer_id!: string;
  @IsString() @Length(1, 64) outcome_id!: string;
}

export class WithdrawClaimCommand extends ClaimRefCommand {
  @IsOptional() @IsString() @Length(1, 2000) reason?: string;
}

export class AddEvidenceCommand extends ClaimRefCommand {
  /** Given by a caller that may send the same item again (an engine's answer to a redelivered notice): the item is added once. */
  @IsOptional() @Matches(/^evd_[A-Za-z0-9_]{1,60}$/) evidence_id?: string;
  @IsIn(['buyer', 'engine']) by!: 'buyer' | 'engine';
  @Matches(/^[a-z][a-z0-9_]{0,39}$/) kind!: string;
  @IsString() @Length(1, 2000) description!: string;
  @IsOptional() @IsString() @Length(1, 200) file_name?: string;
  @IsOptional() @IsIn(EVIDENCE_CONTENT_TYPES) content_type?: string;
  @IsOptional() @IsBase64() file_base64?: string;
}

export class DecideClaimCommand extends DecideClaimDto {
  @IsString() @Length(1, 64) claim_id!: string;
  @IsString() @Length(1, 64) actor!: string;
}

export class StartReviewCommand {
  @IsString() @Length(1, 64) claim_id!: string;
  @IsString() @Length(1, 64) actor!: string;
}
