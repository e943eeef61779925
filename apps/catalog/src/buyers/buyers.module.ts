import { Module } from '@nestjs/common';
import { BuyersHandlers } from './buyers.handlers';
import { BuyersService } from './buyers.service';

@Module({ controllers: [BuyersHandlers], providers: [BuyersService] })
export class BuyersModule {}
