import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/api-error';

/** `If-Match: "3"` (or `3`): the version the client last saw; null when absent. */
export const IfMatch = createParamDecorator((_: unknown, ctx: ExecutionContext): number | null => {
  const raw = ctx.switchToHttp().getRequest<FastifyRequest>().headers['if-match'];
  if (raw === undefined || raw === '*') return null;
  const m = /^\s*(?:W\/)?"?([1-9]\d{0,9})"?\s*$/.exec(raw);
  if (!m) throw new ApiError('validation_failed', 'If-Match must be a version, such as "3"', [{ field: 'If-Match', reason: 'must be a version number from the ETag header' }]);
  return Number(m[1]);
});
