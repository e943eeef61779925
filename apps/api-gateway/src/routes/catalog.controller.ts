import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CATALOG_COMMANDS, OutcomeTypeDto } from '@outcomes/contracts';
import { AnyKey, OperatorOnly } from '../auth/access';
import { ServiceClient } from '../service.client';
import { ApiError } from '../http/api-error';
import { IfMatch } from './if-match';

const versionPipe = new ParseIntPipe({
  optional: true,
  exceptionFactory: () => new ApiError('validation_failed', 'version must be a positive integer', [{ field: 'version', reason: 'must be a positive integer' }]),
});

@ApiTags('catalog')
@ApiBearerAuth()
@Controller('v1/catalog/types')
export class CatalogController {
  constructor(private readonly services: ServiceClient) {}

  @Get()
  @AnyKey()
  @ApiOperation({ summary: 'Every outcome type, newest version of each' })
  list(): Promise<unknown> {
    return this.services.request(CATALOG_COMMANDS.listOutcomeTypes, {});
  }

  @Get(':type')
  @AnyKey()
  @ApiQuery({ name: 'version', required: false, type: Number })
  get(@Param('type') key: string, @Query('version', versionPipe) version?: number): Promise<unknown> {
    if (version !== undefined && version < 1) throw new ApiError('validation_failed', 'version must be a positive integer', [{ field: 'version', reason: 'must be a positive integer' }]);
    return this.services.request(CATALOG_COMMANDS.getOutcomeType, { key, ...(version === undefined ? {} : { version }) });
  }

  @Post()
  @HttpCode(201)
  @OperatorOnly()
  @ApiOperation({ summary: 'Register a custom outcome type, provider.vertical.action (operator key)' })
  register(@Body() type: OutcomeTypeDto): Promise<unknown> {
    return this.services.request(CATALOG_COMMANDS.registerOutcomeType, { actor: 'operator', type });
  }

  @Put(':type')
  @OperatorOnly()
  @ApiOperation({ summary: 'Publish a new version of a custom outcome type; published versions never change (operator key)' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The version you revise; 409 if a newer one exists' })
  revise(@Param('type') key: string, @Body() type: OutcomeTypeDto, @IfMatch() expected: number | null): Promise<unknown> {
    if (type.key !== key) throw new ApiError('validation_failed', 'key must match the path', [{ field: 'key', reason: `must be ${key}, as in the path` }]);
    return this.services.request(CATALOG_COMMANDS.reviseOutcomeType, { actor: 'operator', key, type, ...(expected === null ? {} : { expected_version: expected }) });
  }
}
