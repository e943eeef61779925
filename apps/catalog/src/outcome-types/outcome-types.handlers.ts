import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CATALOG_COMMANDS, GetOutcomeTypeCommand, outcomeTypeView, RegisterOutcomeTypeCommand, ReviseOutcomeTypeCommand, toOutcomeTypeDefinition } from '@outcomes/contracts';
import { OutcomeTypesService, type PublishedType } from './outcome-types.service';

const view = (t: PublishedType) => outcomeTypeView(t.key, t.version, t.definition, t.publishedAt, t.origin);

@Controller()
export class OutcomeTypesHandlers {
  constructor(private readonly types: OutcomeTypesService) {}

  @MessagePattern(CATALOG_COMMANDS.listOutcomeTypes)
  async list(): Promise<unknown> {
    return { object: 'list', data: (await this.types.list()).map(view), has_more: false, next_cursor: null };
  }

  @MessagePattern(CATALOG_COMMANDS.getOutcomeType)
  async get(@Payload() cmd: GetOutcomeTypeCommand): Promise<unknown> {
    return view(await this.types.get(cmd.key, cmd.version ?? null));
  }

  @MessagePattern(CATALOG_COMMANDS.registerOutcomeType)
  async register(@Payload() cmd: RegisterOutcomeTypeCommand): Promise<unknown> {
    return view(await this.types.register(cmd.type.key, toOutcomeTypeDefinition(cmd.type), cmd.actor));
  }

  @MessagePattern(CATALOG_COMMANDS.reviseOutcomeType)
  async revise(@Payload() cmd: ReviseOutcomeTypeCommand): Promise<unknown> {
    return view(await this.types.revise(cmd.key, toOutcomeTypeDefinition(cmd.type), cmd.expected_version ?? null, cmd.actor));
  }
}
