import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CATALOG_COMMANDS, CreateBuyerDto } from '@outcomes/contracts';
import { OperatorOnly } from '../auth/access';
import { ServiceClient } from '../service.client';

@ApiTags('buyers')
@ApiBearerAuth()
@Controller('v1/buyers')
export class BuyersController {
  constructor(private readonly services: ServiceClient) {}

  @Post()
  @HttpCode(201)
  @OperatorOnly()
  @ApiOperation({ summary: 'Create a buyer account (operator key); the answer holds its first API key, whose secret is shown only here' })
  @ApiCreatedResponse({ description: 'The buyer, with `api_key.secret`' })
  create(@Body() buyer: CreateBuyerDto): Promise<unknown> {
    return this.services.request(CATALOG_COMMANDS.createBuyer, { actor: 'operator', buyer });
  }
}
