import { type ArgumentsHost, Catch, type RpcExceptionFilter } from '@nestjs/common';
import { CommandError, CommandErrorsFilter } from '@outcomes/bus';
import { CatalogRejected } from '@outcomes/domain-catalog';
import { WrongExpectedVersionError } from '@outcomes/event-store';
import type { Observable } from 'rxjs';

/** Domain refusals cross the bus as command errors with their code and the fields at fault. */
@Catch()
export class CatalogErrorsFilter implements RpcExceptionFilter<unknown> {
  private readonly inner = new CommandErrorsFilter();

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    if (exception instanceof CatalogRejected) {
      return this.inner.catch(new CommandError(exception.code, exception.message, { fields: exception.fields }), host);
    }
    if (exception instanceof WrongExpectedVersionError) {
      // Retries ran out under contention: the caller may try again.
      return this.inner.catch(new CommandError('VERSION_CONFLICT', 'the resource changed while this request ran; try again'), host);
    }
    return this.inner.catch(exception, host);
  }
}
