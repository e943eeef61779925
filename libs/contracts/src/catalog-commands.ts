import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';

import { OutcomeTypeDto } from './catalog-types.dto';
import { idPattern } from './ids';
import { CreateConfigDto, UpdateConfigDto } from './configs.dto';
import { CreateBuyerDto, CreateKeyDto } from './buyers.dto';

/**
 * What the gateway sends the catalog over NATS (`cmd.catalog.<name>`): the buyer's own body plus
 * who asks. The catalog validates these again, since anything on the bus may call it.
 */
export const CATALOG_COMMANDS = {
  listOutcomeTypes: 'cmd.catalog.listOutcomeTypes',
  getOutcomeType: 'cmd.catalog.getOutcomeType',
  registerOutcomeType: 'cmd.catalog.registerOutcomeType',
  reviseOutcomeType: 'cmd.catalog.reviseOutcomeType',
  createBuyer: 'cmd.catalog.createBuyer',
  authenticate: 'cmd.catalog.authenticate',
  issueKey: 'cmd.catalog.issueKey',
  revokeKey: 'cmd.catalog.revokeKey',
  listKeys: 'cmd.catalog.listKeys',
  draftConfig: 'cmd.catalog.draftConfig',
  reviseConfig: 'cmd.catalog.reviseConfig',
  launchConfig: 'cmd.catalog.launchConfig',
  pauseConfig: 'cmd.catalog.pauseConfig',
  archiveConfig: 'cmd.catalog.archiveConfig',
  getConfig: 'cmd.catalog.getConfig',
  listConfigs: 'cmd.catalog.listConfigs',
  /** Internal: where an escalation goes, credentials opened. Never exposed over HTTP. */
  handoffTarget: 'cmd.catalog.handoffTarget',
  /** Internal: short-lived references to a configuration's context-source credentials, for one award. */
  issueCredentialRefs: 'cmd.catalog.issueCredentialRefs',
} as const;

const TYPE_KEY = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,2}$/;

/** Who asks: `operator`, or the API key a buyer called with. */
class Asked {
  @IsString()
  @Length(1, 64)
  actor!: string;
}

class AskedByBuyer extends Asked {
  @Matches(idPattern('buy'))
  buyer_id!: string;
}

export class GetOutcomeTypeCommand {
  @Matches(TYPE_KEY)
  key!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}

export class RegisterOutcomeTypeCommand extends Asked {
  @ValidateNested()
  @Type(() => OutcomeTypeDto)
  type!: OutcomeTypeDto;
}

export class ReviseOutcomeTypeCommand extends Asked {
  @Matches(TYPE_KEY)
  key!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  expected_version?: number;

  @ValidateNested()
  @Type(() => OutcomeTypeDto)
  type!: OutcomeTypeDto;
}

export class CreateBuyerCommand extends Asked {
  @ValidateNested()
  @Type(() => CreateBuyerDto)
  buyer!: CreateBuyerDto;
}

export class AuthenticateCommand {
  /** SHA-256 (hex) of the presented secret: the secret itself stays in the gateway. */
  @Matches(/^[0-9a-f]{64}$/)
  secret_hash!: string;
}

export class IssueKeyCommand extends AskedByBuyer {
  @ValidateNested()
  @Type(() => CreateKeyDto)
  key!: CreateKeyDto;
}

export class RevokeKeyCommand extends AskedByBuyer {
  @IsString()
  @Length(1, 64)
  key_id!: string;
}

class Listing {
  @Matches(idPattern('buy'))
  buyer_id!: string;

  @IsInt()
  @Min(1)
  @Max(100)
  limit!: number;

  /** The last id of the previous page. */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  after?: string;
}

export class ListKeysCommand extends Listing {}

export class ListConfigsCommand extends Listing {
  @IsOptional()
  @IsIn(['draft', 'launched', 'paused', 'archived'])
  status?: 'draft' | 'launched' | 'paused' | 'archived';
}

export class DraftConfigCommand extends AskedByBuyer {
  @IsObject()
  @ValidateNested()
  @Type(() => CreateConfigDto)
  config!: CreateConfigDto;
}

class OneConfig extends AskedByBuyer {
  @IsString()
  @Length(1, 64)
  config_id!: string;

  /** If-Match: the version the caller last saw. */
  @IsOptional()
  @IsInt()
  @Min(1)
  expected_version?: number;
}

export class ReviseConfigCommand extends OneConfig {
  @IsObject()
  @ValidateNested()
  @Type(() => UpdateConfigDto)
  changes!: UpdateConfigDto;
}

export class ConfigLifecycleCommand extends OneConfig {}

export class IssueCredentialRefsCommand {
  @Matches(idPattern('buy')) buyer_id!: string;
  @IsString() @Length(1, 64) config_id!: string;
  @IsString() @Length(1, 64) engine_id!: string;
  @IsString() @Length(1, 64) outcome_id!: string;
  @IsInt() @Min(10) @Max(86_400) ttl_seconds!: number;
}

export class GetConfigCommand {
  @Matches(idPattern('buy'))
  buyer_id!: string;

  @IsString()
  @Length(1, 64)
  config_id!: string;
}

/** What `authenticate` answers for a live key. */
export interface AuthenticatedKey {
  readonly buyer_id: string;
  readonly key_id: string;
  readonly scope: 'full' | 'conversions';
}

/** What `handoffTarget` answers: the configured hand-off with its credentials opened, or null. */
export type HandoffTarget = {
  readonly destination:
    | { readonly type: 'webhook'; readonly url: string; readonly credentials: Readonly<Record<string, string>> | null }
    | { readonly type: 'queue'; readonly queue_name: string; readonly connection: string | null }
    | { readonly type: 'email'; readonly address: string; readonly template: string | null };
  readonly include_summary: boolean;
  readonly include_transcript: boolean;
  readonly include_context: boolean;
} | null;
