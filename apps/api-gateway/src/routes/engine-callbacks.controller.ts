import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ENGINE_CALLBACK_COMMANDS, ExecutionReportsDto, RedeemCredentialDto } from '@outcomes/contracts';
import { Public } from '../auth/access';
import { ApiError } from '../http/api-error';
import { ServiceClient } from '../service.client';

const bearer = (authorization: string | undefined): string => {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!token) throw new ApiError('unauthenticated', 'send the callback token of the award as "Authorization: Bearer <token>"');
  return token;
};

/**
 * Where webhook engines post their execution back. The bearer is the callback token of the award
 * (not an API key): the engine-gateway checks that it names this outcome and has not expired.
 */
@ApiTags('engine callbacks')
@ApiBearerAuth()
@Public()
@Controller('v1/engine-callbacks')
export class EngineCallbacksController {
  constructor(private readonly services: ServiceClient) {}

  @Post('outcomes/:id/events')
  @HttpCode(202)
  @ApiOperation({ summary: 'A webhook engine reports messages, tool calls, checkpoints and the end of an awarded outcome (callback token)' })
  report(@Param('id') id: string, @Headers('authorization') authorization: string | undefined, @Body() body: ExecutionReportsDto): Promise<unknown> {
    return this.services.request(ENGINE_CALLBACK_COMMANDS.reportExecution, { token: bearer(authorization), outcome_id: id, events: body.events });
  }

  @Post('credentials')
  @HttpCode(200)
  @ApiOperation({ summary: 'A webhook engine exchanges a credential reference of its award for the credentials (callback token)' })
  redeem(@Headers('authorization') authorization: string | undefined, @Body() body: RedeemCredentialDto): Promise<unknown> {
    return this.services.request(ENGINE_CALLBACK_COMMANDS.redeemCredential, { token: bearer(authorization), ref: body.ref });
  }
}
