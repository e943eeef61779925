import { Module } from '@nestjs/common';
import { OutcomeTypesHandlers } from './outcome-types.handlers';
import { OutcomeTypesService } from './outcome-types.service';

@Module({ controllers: [OutcomeTypesHandlers], providers: [OutcomeTypesService], exports: [OutcomeTypesService] })
export class OutcomeTypesModule {}
