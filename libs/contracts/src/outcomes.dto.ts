import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { idPattern } from './ids';
import { IsScalarRecord } from './validators';

export class CreateOutcomeDto {
  @ApiProperty({ example: 'cfg_01M81Y277RSRMK8Z0EEMXN7YV3', description: 'A launched configuration of yours' })
  @IsString()
  @Length(1, 64)
  config_id!: string;

  @ApiProperty({ description: 'What the engine works on: a prompt string or an object', oneOf: [{ type: 'string' }, { type: 'object' }] })
  @IsDefined()
  input!: unknown;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsScalarRecord(20)
  metadata?: Record<string, string>;
}

export class CreateSessionDto {
  @ApiProperty({ description: 'A launched configuration of yours' })
  @IsString()
  @Length(1, 64)
  config_id!: string;
}

export class CreateTurnDto {
  @ApiProperty({ description: 'The next message of the conversation', oneOf: [{ type: 'string' }, { type: 'object' }] })
  @IsDefined()
  input!: unknown;
}

export const AUCTION_COMMANDS = {
  place: 'cmd.auction.placeOutcome',
  startSession: 'cmd.auction.startSession',
  takeTurn: 'cmd.auction.takeTurn',
  getSession: 'cmd.auction.getSession',
  get: 'cmd.auction.getOutcome',
  events: 'cmd.auction.outcomeEvents',
} as const;

export class PlaceOutcomeCommand {
  @Matches(idPattern('buy')) buyer_id!: string;
  @IsString() @Length(1, 64) actor!: string;
  @IsString() @Length(1, 64) config_id!: string;
  @IsDefined() input!: unknown;
  @IsOptional() @IsScalarRecord(20) metadata?: Record<string, string>;
}

export class GetOutcomeCommand {
  @Matches(idPattern('buy')) buyer_id!: string;
  @IsString() @Length(1, 64) outcome_id!: string;
}

export class OutcomeEventsCommand extends GetOutcomeCommand {
  /** The last event version the caller has seen (0: from the start). */
  @IsInt() @Min(0) after_version!: number;
  @IsOptional() @IsInt() @Min(1) @Max(1000) limit?: number;
}

/** One step of an outcome as the buyer sees it (Server-Sent Events `event:` and `data:`). */
export interface OutcomeStreamEvent {
  readonly version: number;
  readonly event: string;
  readonly data: unknown;
  readonly at: string;
}

export class StartSessionCommand {
  @Matches(idPattern('buy')) buyer_id!: string;
  @IsString() @Length(1, 64) actor!: string;
  @IsString() @Length(1, 64) config_id!: string;
}

export class TakeTurnCommand {
  @Matches(idPattern('buy')) buyer_id!: string;
  @IsString() @Length(1, 64) actor!: string;
  @IsString() @Length(1, 64) session_id!: string;
  @IsDefined() input!: unknown;
}

export class GetSessionCommand {
  @Matches(idPattern('buy')) buyer_id!: string;
  @IsString() @Length(1, 64) session_id!: string;
}
