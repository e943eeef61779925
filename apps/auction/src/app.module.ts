import { type DynamicModule, Module } from '@nestjs/common';
import { Aggregates, type ServiceRuntime } from '@outcomes/platform';
import type { AuctionConfig } from './config';
import { OutcomesHandlers } from './outcomes/outcomes.handlers';
import { OutcomesService } from './outcomes/outcomes.service';
import { AGGREGATES, AUCTION_CONFIG, RUNTIME } from './tokens';

@Module({})
export class AuctionModule {
  static with(rt: ServiceRuntime, config: AuctionConfig): DynamicModule {
    return {
      module: AuctionModule,
      controllers: [OutcomesHandlers],
      providers: [
        { provide: RUNTIME, useValue: rt },
        {
          provide: AGGREGATES,
          useValue: new Aggregates(rt.store, { onSnapshotError: (streamId, err) => rt.logger.warn({ streamId, err: String(err) }, 'a snapshot could not be written or read: the stream is read from its events') }),
        },
        { provide: AUCTION_CONFIG, useValue: config },
        OutcomesService,
      ],
    };
  }
}
