export interface FieldProblem {
  readonly field: string;
  readonly reason: string;
}

/** Codes every transport maps to its own errors (the gateway to HTTP statuses). */
export type RejectionCode = 'RULE_VIOLATION' | 'NOT_FOUND' | 'VERSION_CONFLICT' | 'ALREADY_EXISTS' | 'FORBIDDEN';

/** A catalog command the rules refuse; nothing is written. `fields` names what is wrong and why. */
export class CatalogRejected extends Error {
  constructor(
    readonly code: RejectionCode,
    message: string,
    readonly fields: readonly FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'CatalogRejected';
  }

  static rule(field: string, reason: string): CatalogRejected {
    return new CatalogRejected('RULE_VIOLATION', `${field}: ${reason}`, [{ field, reason }]);
  }

  static rules(problems: readonly FieldProblem[]): CatalogRejected {
    const message = problems.map((p) => `${p.field}: ${p.reason}`).join('; ');
    return new CatalogRejected('RULE_VIOLATION', message, problems);
  }

  /** Another buyer's resource answers exactly like a missing one. */
  static notFound(what: string): CatalogRejected {
    return new CatalogRejected('NOT_FOUND', `${what} does not exist`);
  }

  static conflict(message: string): CatalogRejected {
    return new CatalogRejected('VERSION_CONFLICT', message);
  }
}
