import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Length, Matches, Min, ValidateIf, ValidateNested } from 'class-validator';
import { BidStrategyDto, BudgetDto, EscalationPolicyDto, ExecutionPreferencesDto, GuaranteeTermsDto } from './config-policy.dto';
import { ContextSourceDto, DeliveryConstraintsDto, SuccessCriteriaDto, ToolsDto } from './config-sections.dto';

const TYPE_KEY = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,2}$/;

/**
 * The wizard's sections. In a draft, a section left out takes the outcome type's defaults; in a
 * revision, a section present replaces that whole section and one left out stays as it is.
 */
class ConfigSectionsDto {
  @ApiPropertyOptional({ type: [ContextSourceDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ContextSourceDto)
  context_sources?: ContextSourceDto[];

  @ApiPropertyOptional({ type: ToolsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ToolsDto)
  tools?: ToolsDto;

  @ApiPropertyOptional({ type: SuccessCriteriaDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SuccessCriteriaDto)
  success_criteria?: SuccessCriteriaDto;

  @ApiPropertyOptional({ type: DeliveryConstraintsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => DeliveryConstraintsDto)
  delivery_constraints?: DeliveryConstraintsDto;

  @ApiPropertyOptional({ type: EscalationPolicyDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => EscalationPolicyDto)
  escalation_policy?: EscalationPolicyDto;

  @ApiPropertyOptional({ type: BidStrategyDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => BidStrategyDto)
  bid_strategy?: BidStrategyDto;

  @ApiPropertyOptional({ type: BudgetDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => BudgetDto)
  budget?: BudgetDto;

  @ApiPropertyOptional({ type: ExecutionPreferencesDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ExecutionPreferencesDto)
  execution_preferences?: ExecutionPreferencesDto;

  @ApiPropertyOptional({ maxLength: 20_000, nullable: true })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @Length(0, 20_000)
  system_prompt?: string | null;

  @ApiPropertyOptional({ type: GuaranteeTermsDto, nullable: true, description: 'Guarantee-backed types only' })
  @IsOptional()
  @ValidateNested()
  @Type(() => GuaranteeTermsDto)
  guarantee_terms?: GuaranteeTermsDto;
}

export class CreateConfigDto extends ConfigSectionsDto {
  @ApiProperty({ example: 'Tier-1 support', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ example: 'cs.resolve' })
  @Matches(TYPE_KEY, { message: 'outcome_type must be an outcome type key such as cs.resolve' })
  outcome_type!: string;

  @ApiPropertyOptional({ minimum: 1, description: 'Default: the newest version' })
  @IsOptional()
  @IsInt()
  @Min(1)
  outcome_type_version?: number;
}

export class UpdateConfigDto extends ConfigSectionsDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ description: 'Drafts only: launched configurations are pinned to their type' })
  @IsOptional()
  @Matches(TYPE_KEY, { message: 'outcome_type must be an outcome type key such as cs.resolve' })
  outcome_type?: string;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  outcome_type_version?: number;
}
