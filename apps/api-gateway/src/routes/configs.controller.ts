import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CATALOG_COMMANDS, CreateConfigDto, ListQueryDto, UpdateConfigDto } from '@outcomes/contracts';
import type { FastifyReply } from 'fastify';
import { Caller, type BuyerCaller } from '../auth/current';
import { ServiceClient } from '../service.client';
import { ApiError } from '../http/api-error';
import { IfMatch } from './if-match';
import { listPage, type Listed } from './listing';

const STATUSES = ['draft', 'launched', 'paused', 'archived'];

/** Answers carry the version as an ETag, for If-Match on the next change. */
const tagged = async (reply: FastifyReply, view: Promise<{ version: number }>): Promise<unknown> => {
  const v = await view;
  reply.header('ETag', `"${v.version}"`);
  return v;
};

@ApiTags('configs')
@ApiBearerAuth()
@Controller('v1/configs')
export class ConfigsController {
  constructor(private readonly services: ServiceClient) {}

  @Get()
  @ApiOperation({ summary: "The buyer's outcome configurations, newest first" })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  list(@Caller() caller: BuyerCaller, @Query() query: ListQueryDto, @Query('status') status?: string): Promise<unknown> {
    if (status !== undefined && !STATUSES.includes(status)) {
      throw new ApiError('validation_failed', 'status is not a configuration status', [{ field: 'status', reason: `must be one of ${STATUSES.join(', ')}` }]);
    }
    return listPage(query, (after, limit) => this.services.request<Listed>(CATALOG_COMMANDS.listConfigs, { buyer_id: caller.buyerId, limit, after, status }));
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Draft an outcome configuration (the wizard); sections left out take the outcome type defaults' })
  draft(@Caller() caller: BuyerCaller, @Body() config: CreateConfigDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    return tagged(reply, this.services.request(CATALOG_COMMANDS.draftConfig, { buyer_id: caller.buyerId, actor: caller.actor, config }));
  }

  @Get(':id')
  get(@Caller() caller: BuyerCaller, @Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    return tagged(reply, this.services.request(CATALOG_COMMANDS.getConfig, { buyer_id: caller.buyerId, config_id: id }));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a configuration: each section present replaces that section' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The version (ETag) you last saw; 409 if it changed since' })
  revise(
    @Caller() caller: BuyerCaller,
    @Param('id') id: string,
    @Body() changes: UpdateConfigDto,
    @IfMatch() expected: number | null,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const payload = { buyer_id: caller.buyerId, actor: caller.actor, config_id: id, changes, ...(expected === null ? {} : { expected_version: expected }) };
    return tagged(reply, this.services.request(CATALOG_COMMANDS.reviseConfig, payload));
  }

  @Post(':id/launch')
  @HttpCode(200)
  @ApiOperation({ summary: 'Launch (or resume) a configuration; the answer includes its pricing summary' })
  launch(@Caller() c: BuyerCaller, @Param('id') id: string, @IfMatch() v: number | null, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    return tagged(reply, this.lifecycle(CATALOG_COMMANDS.launchConfig, c, id, v));
  }

  @Post(':id/pause')
  @HttpCode(200)
  pause(@Caller() c: BuyerCaller, @Param('id') id: string, @IfMatch() v: number | null, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    return tagged(reply, this.lifecycle(CATALOG_COMMANDS.pauseConfig, c, id, v));
  }

  @Post(':id/archive')
  @HttpCode(200)
  archive(@Caller() c: BuyerCaller, @Param('id') id: string, @IfMatch() v: number | null, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    return tagged(reply, this.lifecycle(CATALOG_COMMANDS.archiveConfig, c, id, v));
  }

  private lifecycle(command: string, caller: BuyerCaller, id: string, expected: number | null): Promise<{ version: number }> {
    return this.services.request(command, { buyer_id: caller.buyerId, actor: caller.actor, config_id: id, ...(expected === null ? {} : { expected_version: expected }) });
  }
}
