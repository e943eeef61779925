import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { ApiErrorCode } from '@outcomes/contracts';
import type { FastifyReply } from 'fastify';
import { ApiError, fromCommandError, ReplayedAnswer } from './api-error';

const BY_STATUS: Readonly<Record<number, ApiErrorCode>> = { 400: 'validation_failed', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 409: 'version_conflict', 413: 'validation_failed', 415: 'validation_failed', 422: 'rule_violation', 429: 'rate_limited' };

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
        : (fromCommandError(exception) ?? (exception instanceof HttpException ? fromHttp(exception) : undefined));
    return known ?? new ApiError('internal', 'something went wrong on our side; it has been logged');
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    this.answer(exception, host.switchToHttp().getResponse<FastifyReply>());
  }

  /** Also for what Fastify refuses before Nest sees the request (its `frameworkErrors`). */
  answer(exception: unknown, reply: FastifyReply): void {
    if (exception instanceof ReplayedAnswer) {
      void reply.header('Idempotent-Replayed', 'true').status(exception.status).send(exception.body);
      return;
    }
    const answer = this.toApiError(exception);
    if (answer.status >= 500) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    if (reply.sent) return;
    void reply.headers(answer.headers).status(answer.status).send(answer.body());
  }
}
