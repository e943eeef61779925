import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ENGINE_COMMANDS, ListQueryDto, RegisterEngineDto, SuspendEngineDto, UpdateEngineDto } from '@outcomes/contracts';
import { OperatorOnly } from '../auth/access';
import { ServiceClient } from '../service.client';
import { IfMatch } from './if-match';
import { listPage, type Listed } from './listing';

const OPERATOR = 'operator';

@ApiTags('engines')
@ApiBearerAuth()
@OperatorOnly()
@Controller('v1/engines')
export class EnginesController {
  constructor(private readonly services: ServiceClient) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Register an execution engine (operator key)' })
  register(@Body() engine: RegisterEngineDto): Promise<unknown> {
    return this.services.request(ENGINE_COMMANDS.register, { actor: OPERATOR, engine });
  }

  @Post(':id/credentials')
  @HttpCode(201)
  @ApiOperation({ summary: 'Mint NATS credentials (a .creds file) that let this engine act as itself only (operator key; shown once)' })
  credentials(@Param('id') id: string): Promise<unknown> {
    return this.services.request(ENGINE_COMMANDS.issueCredentials, { actor: OPERATOR, engine_id: id });
  }

  @Get()
  list(@Query() query: ListQueryDto): Promise<unknown> {
    return listPage(query, (after, limit) => this.services.request<Listed>(ENGINE_COMMANDS.list, { limit, after }));
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<unknown> {
    return this.services.request(ENGINE_COMMANDS.get, { actor: OPERATOR, engine_id: id });
  }

  @Patch(':id')
  @ApiHeader({ name: 'If-Match', required: false })
  update(@Param('id') id: string, @Body() changes: UpdateEngineDto, @IfMatch() expected: number | null): Promise<unknown> {
    return this.services.request(ENGINE_COMMANDS.update, { actor: OPERATOR, engine_id: id, changes, ...(expected === null ? {} : { expected_version: expected }) });
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @ApiOperation({ summary: 'Suspend an engine: it is no longer asked to bid' })
  suspend(@Param('id') id: string, @Body() body: SuspendEngineDto): Promise<unknown> {
    return this.services.request(ENGINE_COMMANDS.suspend, { actor: OPERATOR, engine_id: id, reason: body.reason });
  }

  @Post(':id/reinstate')
  @HttpCode(200)
  reinstate(@Param('id') id: string): Promise<unknown> {
    return this.services.request(ENGINE_COMMANDS.reinstate, { actor: OPERATOR, engine_id: id });
  }
}
