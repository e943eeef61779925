import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { applyOnce, type BusEvent, type OutcomesContext } from '@outcomes/bus';
import type { OutcomeTypePublished } from '@outcomes/domain-catalog';
import { RUNTIME, type CatalogRuntime } from '../runtime.token';
import { GetOutcomeTypeDto, PublishOutcomeTypeDto } from './dto/publish-outcome-type.dto';
import { OutcomeTypesService, type OutcomeTypeView } from './outcome-types.service';

const PROJECTION = 'catalog.outcome_types';

@Controller()
export class OutcomeTypesHandlers {
  constructor(
    private readonly service: OutcomeTypesService,
    @Inject(RUNTIME) private readonly rt: CatalogRuntime,
  ) {}

  @MessagePattern('cmd.catalog.publishOutcomeType')
  publish(@Payload() dto: PublishOutcomeTypeDto, @Ctx() ctx: OutcomesContext): Promise<OutcomeTypeView> {
    const { key, ...definition } = dto;
    return this.service.publish(key, definition, ctx.headers['outcomes-actor']);
  }

  @MessagePattern('cmd.catalog.getOutcomeType')
  get(@Payload() dto: GetOutcomeTypeDto): Promise<OutcomeTypeView> {
    return this.service.get(dto.key);
  }

  @MessagePattern('cmd.catalog.listOutcomeTypes')
  async list(): Promise<{ data: OutcomeTypeView[] }> {
    return { data: await this.service.list() };
  }

  @EventPattern('evt.outcomeType.OutcomeTypePublished')
  async onPublished(@Payload() event: BusEvent<'OutcomeTypePublished', OutcomeTypePublished['data']>): Promise<void> {
    await applyOnce(this.rt.pool, PROJECTION, event.id, (tx) => this.service.project(tx, event.data));
  }
}
