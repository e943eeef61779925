import { Module } from '@nestjs/common';
import { OutcomeTypesModule } from '../outcome-types/outcome-types.module';
import { ConfigsHandlers } from './configs.handlers';
import { ConfigsService } from './configs.service';
import { CredentialRefs } from './credential-refs';

@Module({ imports: [OutcomeTypesModule], controllers: [ConfigsHandlers], providers: [ConfigsService, CredentialRefs] })
export class ConfigsModule {}
