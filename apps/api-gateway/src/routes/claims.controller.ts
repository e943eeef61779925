import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CLAIM_COMMANDS, DecideClaimDto, EVIDENCE_CONTENT_TYPES, EVIDENCE_MAX_BYTES, EvidenceNoteDto, FileClaimDto, WithdrawClaimDto } from '@outcomes/contracts';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { AnyKey, OperatorOnly } from '../auth/access';
import { Caller, type BuyerCaller } from '../auth/current';
import { ApiError } from '../http/api-error';
import { readBody } from '../http/body-parsers';
import { principalOf } from '../http/principal';
import { flattenValidationErrors } from '../http/validation';
import { ServiceClient } from '../service.client';

/**
 * Guarantee claims. Buyers file them on their delivered guarantee-backed outcomes, add evidence
 * (a note, or a file whose SHA-256 is kept with it) and may withdraw them before the decision; the
 * operator reviews and decides them, and adds the engine's own evidence.
 */
@ApiTags('claims')
@ApiBearerAuth()
@Controller('v1')
export class ClaimsController {
  constructor(private readonly services: ServiceClient) {}

  @Post('claims')
  @HttpCode(201)
  @ApiOperation({ summary: 'File a claim on a delivered guarantee-backed outcome, within its claim window' })
  file(@Caller() caller: BuyerCaller, @Body() body: FileClaimDto): Promise<unknown> {
    return this.services.request(CLAIM_COMMANDS.file, { ...body, buyer_id: caller.buyerId, actor: caller.actor });
  }

  @Get('claims/:id')
  @AnyKey()
  @ApiOperation({ summary: 'A claim: its status, decision, payout and evidence (yours; any, with the operator key)' })
  get(@Req() req: FastifyRequest, @Param('id') id: string): Promise<unknown> {
    const p = principalOf(req)!;
    return this.services.request(CLAIM_COMMANDS.get, { claim_id: id, ...(p.kind === 'buyer' ? { buyer_id: p.buyerId } : {}) });
  }

  @Get('outcomes/:id/claims')
  @ApiOperation({ summary: 'The claim history of one of your outcomes' })
  forOutcome(@Caller() caller: BuyerCaller, @Param('id') id: string): Promise<unknown> {
    return this.services.request(CLAIM_COMMANDS.forOutcome, { buyer_id: caller.buyerId, outcome_id: id });
  }

  @Post('claims/:id/withdraw')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw a claim before it is decided' })
  withdraw(@Caller() caller: BuyerCaller, @Param('id') id: string, @Body() body: WithdrawClaimDto): Promise<unknown> {
    return this.services.request(CLAIM_COMMANDS.withdraw, { claim_id: id, buyer_id: caller.buyerId, ...(body.reason ? { reason: body.reason } : {}) });
  }

  @Post('claims/:id/evidence')
  @HttpCode(201)
  @ApiOperation({
    summary: `Add evidence: JSON {kind, description}, or a file as the body (${EVIDENCE_CONTENT_TYPES.join(', ')}; at most ${EVIDENCE_MAX_BYTES} bytes) with ?kind=&description=&filename=`,
  })
  async evidence(@Caller() caller: BuyerCaller, @Param('id') id: string, @Req() req: FastifyRequest, @Query() query: Record<string, string>): Promise<unknown> {
    return this.services.request(CLAIM_COMMANDS.addEvidence, { claim_id: id, buyer_id: caller.buyerId, by: 'buyer', ...(await this.evidenceOf(req, query)) });
  }

  @Post('claims/:id/engine-evidence')
  @HttpCode(201)
  @OperatorOnly()
  @ApiOperation({ summary: 'Add the engine’s answer to a claim, before the decision (operator key)' })
  async engineEvidence(@Param('id') id: string, @Req() req: FastifyRequest, @Query() query: Record<string, string>): Promise<unknown> {
    return this.services.request(CLAIM_COMMANDS.addEvidence, { claim_id: id, by: 'engine', ...(await this.evidenceOf(req, query)) });
  }

  @Post('claims/:id/review')
  @HttpCode(200)
  @OperatorOnly()
  @ApiOperation({ summary: 'Start reviewing a claim (operator key)' })
  review(@Param('id') id: string): Promise<unknown> {
    return this.services.request(CLAIM_COMMANDS.review, { claim_id: id, actor: 'operator' });
  }

  @Post('claims/:id/decision')
  @HttpCode(200)
  @OperatorOnly()
  @ApiOperation({ summary: 'Decide a claim with findings; an approval is paid at once from the engine to the buyer (operator key)' })
  decide(@Param('id') id: string, @Body() body: DecideClaimDto): Promise<unknown> {
    return this.services.request(CLAIM_COMMANDS.decide, { ...body, claim_id: id, actor: 'operator' });
  }

  /** A JSON note, or a file body of an allowed type with its kind and description in the query. */
  private async evidenceOf(req: FastifyRequest, query: Record<string, string>): Promise<Record<string, string>> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type === 'application/json' && req.body !== undefined && Object.keys(req.body as object).length > 0) {
      const note = plainToInstance(EvidenceNoteDto, req.body);
      const errors = await validate(note, { whitelist: true, forbidNonWhitelisted: true });
      if (errors.length > 0) {
        const fields = flattenValidationErrors(errors);
        throw new ApiError('validation_failed', `${fields.length} invalid field${fields.length === 1 ? '' : 's'}: ${fields.map((f) => f.field).join(', ')}`, fields);
      }
      return { kind: note.kind, description: note.description };
    }
    if (!(EVIDENCE_CONTENT_TYPES as readonly string[]).includes(type)) {
      throw new ApiError('unsupported_media_type', `evidence files may be ${EVIDENCE_CONTENT_TYPES.join(', ')}`, [{ field: 'content-type', reason: `must be one of ${EVIDENCE_CONTENT_TYPES.join(', ')}` }]);
    }
    // A file's type is left unparsed (see useBodyParsers): its bytes are still in the request.
    const tooLarge = () => new ApiError('payload_too_large', `an evidence file is at most ${EVIDENCE_MAX_BYTES} bytes`, [{ field: 'file', reason: `must be at most ${EVIDENCE_MAX_BYTES} bytes` }]);
    const bytes = type === 'application/json' ? Buffer.from(JSON.stringify(req.body ?? {})) : await readBody(req.raw, EVIDENCE_MAX_BYTES, tooLarge);
    if (bytes.length === 0) throw new ApiError('validation_failed', 'the evidence file is empty', [{ field: 'file', reason: 'is empty' }]);
    const fields: Array<{ field: string; reason: string }> = [];
    if (!/^[a-z][a-z0-9_]{0,39}$/.test(query['kind'] ?? '')) fields.push({ field: 'kind', reason: 'is required: a lowercase snake_case word, in the query' });
    if (!query['description'] || query['description'].length > 2000) fields.push({ field: 'description', reason: 'is required, at most 2000 characters, in the query' });
    if (fields.length > 0) throw new ApiError('validation_failed', `${fields.length} invalid field${fields.length === 1 ? '' : 's'}: ${fields.map((f) => f.field).join(', ')}`, fields);
    return { kind: query['kind']!, description: query['description']!, file_name: (query['filename'] ?? 'evidence').slice(0, 200), content_type: type, file_base64: bytes.toString('base64') };
  }
}
