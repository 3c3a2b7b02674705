import type { Context } from 'hono';
import { DomainError, RateLimited, type FieldError } from './domain/errors.ts';

/** An RFC 9457 problem body, with Candor's `code` and field-level `errors`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  request_id: string | null;
  errors: FieldError[];
}

/** A client mistake caught at the HTTP edge (auth, malformed body, size), before any service runs. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: FieldError[];
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, detail: string, errors: FieldError[] = [], headers: Record<string, string> = {}) {
    super(detail);
    this.status = status;
    this.code = code;
    this.errors = errors;
    this.headers = headers;
  }
}

const STATUS_BY_CODE: Record<string, number> = {
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  idempotency_in_progress: 409,
  validation_failed: 422,
  cadence_violation: 422,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/** Builds the problem body for a status, code and detail. */
export function problem(c: Context, status: number, code: string, detail: string, errors: FieldError[] = []): Problem {
  return {
    type: `/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: c.req.path,
    code,
    request_id: (c.get('requestId' as never) as string | undefined) ?? null,
    errors,
  };
}

export function problemResponse(c: Context, body: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

/**
 * The one place errors become HTTP: domain and edge errors are 4xx with their fields;
 * anything else is a 500 that says only that something went wrong (the cause is logged).
 */
export function errorToResponse(c: Context, err: unknown, log: (cause: unknown) => void): Response {
  if (err instanceof HttpProblem) {
    return problemResponse(c, problem(c, err.status, err.code, err.message, err.errors), err.headers);
  }
  if (err instanceof RateLimited) {
    return problemResponse(c, problem(c, 429, err.code, err.message, err.errors), { 'retry-after': String(err.retryAfterSeconds) });
  }
  if (err instanceof DomainError) {
    return problemResponse(c, problem(c, STATUS_BY_CODE[err.code] ?? 400, err.code, err.message, err.errors));
  }
  log(err);
  return problemResponse(c, problem(c, 500, 'internal_error', 'Something went wrong on our side; the request id identifies it in our logs'));
}
