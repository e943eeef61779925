import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { ApiErrorCode } from '@outcomes/contracts';
import type { Response } from 'express';
import { ApiError, fromCommandError, ReplayedAnswer } from './api-error';

const BY_STATUS: Readonly<Record<number, ApiErrorCode>> = { 400: 'validation_failed', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 409: 'version_conflict', 413: 'validation_failed', 415: 'validation_failed', 422: 'rule_violation', 429: 'rate_limited' };

/** Body-parser's refusals (malformed JSON, too large) arrive as errors with a status and a type. */
const bodyParserError = (err: unknown): ApiError | undefined => {
  const e = err as { type?: unknown; status?: unknown; message?: unknown; limit?: unknown };
  if (typeof e?.type !== 'string' || typeof e.status !== 'number') return undefined;
  if (e.type === 'entity.parse.failed') return new ApiError('validation_failed', 'the body is not valid JSON', [{ field: 'body', reason: 'is not valid JSON' }]);
  if (e.type === 'entity.too.large') return new ApiError('validation_failed', 'the body is too large', [{ field: 'body', reason: typeof e.limit === 'number' ? `is larger than ${e.limit} bytes` : 'is too large' }]);
  return new ApiError('validation_failed', String(e.message ?? 'the body could not be read'), [{ field: 'body', reason: String(e.message ?? 'could not be read') }]);
};

const fromHttp = (err: HttpException): ApiError => {
  const status = err.getStatus();
  const code = BY_STATUS[status];
  if (!code) return new ApiError('internal', err.message);
  const res = err.getResponse();
  const message = typeof res === 'string' ? res : String((res as { message?: unknown }).message ?? err.message);
  return new ApiError(code, status === 404 ? 'no such route' : message);
};

/** Every error leaves the API in one JSON shape; a client's mistake is never a 500. */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('api');

  /** What the API answers for an error; anything unforeseen is a 500 that says nothing of our insides. */
  toApiError(exception: unknown): ApiError {
    const known =
      exception instanceof ApiError
        ? exception
        : (fromCommandError(exception) ?? bodyParserError(exception) ?? (exception instanceof HttpException ? fromHttp(exception) : undefined));
    return known ?? new ApiError('internal', 'something went wrong on our side; it has been logged');
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof ReplayedAnswer) {
      res.setHeader('Idempotent-Replayed', 'true');
      res.status(exception.status).json(exception.body);
      return;
    }
    const answer = this.toApiError(exception);
    if (answer.status >= 500) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    if (res.headersSent) return;
    for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
    res.status(answer.status).json(answer.body());
  }
}
