/** One field-level complaint: `path` names the field (e.g. `components[1].id`). */
export interface FieldError {
  path: string;
  message: string;
}

/** Every code a rule violation can carry: a closed list, each explained at `/problems/<code>`. */
const DOMAIN_ERROR_CODES = [
  'not_found',
  'conflict',
  'invalid_transition',
  'cadence_violation',
  'validation_failed',
  'rate_limited',
  'idempotency_in_progress',
  'usage',
] as const;
export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

/** Base of every rule violation a service can report; knows nothing of HTTP. */
export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly errors: FieldError[];
  constructor(code: DomainErrorCode, message: string, errors: FieldError[] = []) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.errors = errors;
  }
}

export class NotFound extends DomainError {
  constructor(resource: string, id: string, path = 'id') {
    super('not_found', `${resource} ${id} does not exist`, [{ path, message: `no ${resource} with id ${id}` }]);
  }
}

export class Conflict extends DomainError {
  constructor(message: string, errors: FieldError[] = [], code: 'conflict' | 'idempotency_in_progress' = 'conflict') {
    super(code, message, errors);
  }
}

export class InvalidTransition extends DomainError {
  constructor(message: string, path = 'status') {
    super('invalid_transition', message, [{ path, message }]);
  }
}

export class CadenceViolation extends DomainError {
  constructor(message: string, errors: FieldError[]) {
    super('cadence_violation', message, errors);
  }
}

export class ValidationFailed extends DomainError {
  constructor(errors: FieldError[], message = 'The request has invalid fields') {
    super('validation_failed', message, errors);
  }
}

export class RateLimited extends DomainError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, path: string) {
    super('rate_limited', 'Too many requests; try again later', [{ path, message: `retry after ${retryAfterSeconds} s` }]);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
