import { type ArgumentsHost, Catch, HttpException, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { CommandError } from '../commands';

/**
 * Nest's default RPC filter turns every error it does not know into "Internal server error",
 * which would erase the codes our domain errors carry. This filter lets them through unchanged
 * and turns a ValidationPipe refusal (an HttpException) into a VALIDATION_FAILED command error
 * that names the fields.
 */
@Catch()
export class CommandErrorsFilter implements RpcExceptionFilter<unknown> {
  /** `translate` turns a service's own errors (domain refusals, say) into command errors. */
  constructor(private readonly translate: (err: unknown) => CommandError | undefined = () => undefined) {}

  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    const translated = this.translate(exception);
    if (translated) return throwError(() => translated);
    if (exception instanceof HttpException) {
      const body = exception.getResponse() as { message?: unknown } | string;
      const details = typeof body === 'string' ? [body] : body.message;
      const reasons = Array.isArray(details) ? details.map(String) : [String(details ?? exception.message)];
      return throwError(() => new CommandError('VALIDATION_FAILED', reasons.join('; '), { reasons }));
    }
    return throwError(() => exception);
  }
}
