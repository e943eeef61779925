import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CATALOG_COMMANDS, CreateKeyDto, ListQueryDto } from '@outcomes/contracts';
import { Caller, type BuyerCaller } from '../auth/current';
import { ServiceClient } from '../service.client';
import { listPage, type Listed } from './listing';

@ApiTags('keys')
@ApiBearerAuth()
@Controller('v1/keys')
export class KeysController {
  constructor(private readonly services: ServiceClient) {}

  @Get()
  @ApiOperation({ summary: "The buyer's API keys, newest first (secrets are never shown again)" })
  async list(@Caller() caller: BuyerCaller, @Query() query: ListQueryDto): Promise<unknown> {
    return listPage(query, (after, limit) => this.services.request<Listed>(CATALOG_COMMANDS.listKeys, { buyer_id: caller.buyerId, limit, after }));
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Issue an API key; `secret` is in this answer only' })
  issue(@Caller() caller: BuyerCaller, @Body() key: CreateKeyDto): Promise<unknown> {
    return this.services.request(CATALOG_COMMANDS.issueKey, { buyer_id: caller.buyerId, actor: caller.actor, key });
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key: it stops working at once' })
  revoke(@Caller() caller: BuyerCaller, @Param('id') keyId: string): Promise<unknown> {
    return this.services.request(CATALOG_COMMANDS.revokeKey, { buyer_id: caller.buyerId, actor: caller.actor, key_id: keyId });
  }
}
