import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { memoizeValidationMetadata } from '@outcomes/platform';
import { ApiError, type FieldReason } from './api-error';

/** `a.b[2].c`: array indices in brackets, as a buyer reads its own JSON. */
const join = (path: string, property: string): string => (/^\d+$/.test(property) ? `${path}[${property}]` : path === '' ? property : `${path}.${property}`);

/** Every failed constraint in the tree, one entry each, with the path of its field. */
export function flattenValidationErrors(errors: readonly ValidationError[], path = ''): FieldReason[] {
  return errors.flatMap((e) => {
    const at = join(path, e.property);
    const own = Object.values(e.constraints ?? {}).map((reason) => ({ field: at, reason }));
    return [...own, ...flattenValidationErrors(e.children ?? [], at)];
  });
}

/** Refuses unknown properties, converts types, and lists every invalid field in one 400. */
export const createValidationPipe = (): ValidationPipe => {
  memoizeValidationMetadata();
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const fields = flattenValidationErrors(errors);
      return new ApiError('validation_failed', `${fields.length} invalid field${fields.length === 1 ? '' : 's'}: ${fields.map((f) => f.field).join(', ')}`, fields);
    },
  });
};
