import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { ForVariant, IsStringRecord, isWebhookUrl } from './validators';

const NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const TYPE_KEY = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,2}$/;

export class NameVersionDto {
  @ApiProperty({ example: 'claude' }) @IsString() @Length(1, 100) name!: string;
  @ApiProperty({ example: '4.5' }) @IsString() @Length(1, 50) version!: string;
}

export class EngineTransportDto {
  @ApiProperty({ enum: ['nats', 'webhook'], description: 'nats: the engine subscribes to bid requests; webhook: the engine-gateway calls its HTTPS endpoints' })
  @IsIn(['nats', 'webhook'])
  type!: 'nats' | 'webhook';

  @ApiPropertyOptional({ example: 'https://engine.example.com/outcomes' })
  @ForVariant('type', ['webhook'], isWebhookUrl, 'an https URL (http only to localhost)')
  endpoint_url?: string;

  @ApiPropertyOptional({ enum: ['api_key', 'bearer', 'basic'] })
  @ForVariant('type', ['webhook'], (v) => v === 'api_key' || v === 'bearer' || v === 'basic', 'api_key, bearer or basic')
  auth?: 'api_key' | 'bearer' | 'basic';

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'api_key: {api_key}; bearer: {token}; basic: {username, password}. Sealed, never returned' })
  @ForVariant('type', ['webhook'], (v) => typeof v === 'object' && v !== null, 'an object of strings')
  @IsOptional()
  @IsStringRecord(4, 4096)
  credentials?: Record<string, string>;
}

export class RegisterEngineDto {
  @ApiProperty({ example: 'claude-code', description: 'Unique; what buyers’ allowed and blocked engine patterns match' })
  @Matches(NAME, { message: 'name must be lowercase letters, digits, dots, dashes or underscores' })
  name!: string;

  @ApiProperty({ example: 'Anthropic' }) @IsString() @Length(1, 100) vendor!: string;

  @ApiProperty({ type: NameVersionDto }) @ValidateNested() @Type(() => NameVersionDto) model!: NameVersionDto;

  @ApiProperty({ type: NameVersionDto }) @ValidateNested() @Type(() => NameVersionDto) harness!: NameVersionDto;

  @ApiProperty({ type: [String], example: ['code.review', 'code.fix'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @Matches(TYPE_KEY, { each: true, message: 'outcome_types must hold outcome type keys such as cs.resolve' })
  outcome_types!: string[];

  @ApiPropertyOptional({ type: [String], example: ['code_execution'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  capabilities?: string[];

  @ApiPropertyOptional({ type: [String], example: ['us', 'eu'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 50, { each: true })
  regions?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 100000, default: 10 }) @IsOptional() @IsInt() @Min(1) @Max(100_000) max_concurrent_outcomes?: number;

  @ApiProperty({ type: EngineTransportDto }) @ValidateNested() @Type(() => EngineTransportDto) transport!: EngineTransportDto;
}

/** Every field optional; the name never changes. */
export class UpdateEngineDto extends OmitType(PartialType(RegisterEngineDto), ['name'] as const) {}

export class SuspendEngineDto {
  @ApiProperty({ example: 'missed its SLA three days running' }) @IsString() @Length(1, 500) reason!: string;
}

export const ENGINE_COMMANDS = {
  register: 'cmd.engine-gateway.registerEngine',
  update: 'cmd.engine-gateway.updateEngine',
  suspend: 'cmd.engine-gateway.suspendEngine',
  reinstate: 'cmd.engine-gateway.reinstateEngine',
  get: 'cmd.engine-gateway.getEngine',
  list: 'cmd.engine-gateway.listEngines',
  eligible: 'cmd.engine-gateway.eligibleEngines',
  issueCredentials: 'cmd.engine-gateway.issueCredentials',
} as const;

class ByOperator {
  @IsString() @Length(1, 64) actor!: string;
}

export class RegisterEngineCommand extends ByOperator {
  @ValidateNested() @Type(() => RegisterEngineDto) engine!: RegisterEngineDto;
}

export class UpdateEngineCommand extends ByOperator {
  @IsString() @Length(1, 64) engine_id!: string;
  @IsOptional() @IsInt() @Min(1) expected_version?: number;
  @ValidateNested() @Type(() => UpdateEngineDto) changes!: UpdateEngineDto;
}

export class SuspendEngineCommand extends ByOperator {
  @IsString() @Length(1, 64) engine_id!: string;
  @IsString() @Length(1, 500) reason!: string;
}

export class EngineIdCommand extends ByOperator {
  @IsString() @Length(1, 64) engine_id!: string;
}

export class ListEnginesCommand {
  @IsInt() @Min(1) @Max(100) limit!: number;
  @IsOptional() @IsString() @Length(1, 64) after?: string;
}

export class EligibleEnginesCommand {
  @Matches(TYPE_KEY) outcome_type!: string;
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) capabilities!: string[];
}

/** An engine that may be asked to bid: active, serving the type, with the capabilities. */
export interface EligibleEngine {
  readonly id: string;
  readonly name: string;
  readonly max_concurrent_outcomes: number;
  readonly transport: 'nats' | 'webhook';
}
