import { Module } from '@nestjs/common';
import { OutcomeTypesModule } from '../outcome-types/outcome-types.module';
import { ConfigsHandlers } from './configs.handlers';
import { ConfigsService } from './configs.service';

@Module({ imports: [OutcomeTypesModule], controllers: [ConfigsHandlers], providers: [ConfigsService] })
export class ConfigsModule {}
