import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, Length } from 'class-validator';

export class CreateBuyerDto {
  @ApiProperty({ example: 'Acme Support', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ example: 'ops@acme.test' })
  @IsOptional()
  @IsEmail()
  email?: string;
}

export class CreateKeyDto {
  @ApiPropertyOptional({ enum: ['full', 'conversions'], default: 'full', description: '`conversions`: may only report conversions' })
  @IsOptional()
  @IsIn(['full', 'conversions'])
  scope?: 'full' | 'conversions';

  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;
}
