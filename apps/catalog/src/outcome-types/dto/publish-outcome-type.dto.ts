import { IsIn, IsString, Length, Matches } from 'class-validator';

export class PublishOutcomeTypeDto {
  @IsString()
  @Matches(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,2}$/, { message: 'key must look like vertical.action or provider.vertical.action' })
  key!: string;

  @IsString()
  @Length(1, 200)
  name!: string;

  @IsString()
  @Length(0, 2000)
  description!: string;

  @IsIn(['capi_verified', 'guarantee_backed'])
  verification!: 'capi_verified' | 'guarantee_backed';
}

export class GetOutcomeTypeDto {
  @IsString()
  @Length(1, 200)
  key!: string;
}
