import type { AppContext } from './routes/env.ts';
import { DomainError, RateLimited, type DomainErrorCode, type FieldError } from './domain/errors.ts';
import { WriteConflict } from '../db/client.ts';

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
  readonly code: EdgeCode;
  readonly errors: FieldError[];
  readonly headers: Record<string, string>;
  constructor(code: EdgeCode, detail: string, errors: FieldError[] = [], headers: Record<string, string> = {}) {
    super(detail);
    this.code = code;
    this.errors = errors;
    this.headers = headers;
  }
}

/** Codes raised at the HTTP edge, before any service runs. */
type EdgeCode =
  | 'unauthorized'
  | 'forbidden'
  | 'cross_origin'
  | 'malformed_json'
  | 'malformed_csv'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'database_unavailable'
  | 'internal_error';
export type ProblemCode = DomainErrorCode | EdgeCode;

interface ProblemKind {
  status: number;
  title: string;
  /** What it means and how to fix it: the page at `/problems/<code>`. */
  meaning: string;
  fix: string;
}

/** Every problem Candor answers: its HTTP status and the page that explains it. The one place codes map to HTTP. */
export const PROBLEMS: Record<ProblemCode, ProblemKind> = {
  not_found: {
    status: 404,
    title: 'Not Found',
    meaning: 'The resource or route named in the request does not exist.',
    fix: 'Check the id in the path (or the field named in `errors`); list the resource to find valid ids.',
  },
  conflict: {
    status: 409,
    title: 'Conflict',
    meaning:
      'The request is valid but contradicts the current state of the record, for example making a published incident internal or deleting a component an open incident affects.',
    fix: 'Read `detail`: it says what stands in the way. Change that first, or post an update that says what was corrected.',
  },
  invalid_transition: {
    status: 409,
    title: 'Conflict',
    meaning: 'The status change is not allowed from the current status (for example a resolved incident moving back to investigating).',
    fix: 'Reopen a resolved incident instead, or choose a status the lifecycle allows.',
  },
  cadence_violation: {
    status: 422,
    title: 'Unprocessable Content',
    meaning: 'The promised next-update time breaks the update cadence policy: later than the severity allows, or already past.',
    fix: 'Promise a time no later than the limit in `errors[].message`, or leave `next_update_at` out to take the policy deadline.',
  },
  validation_failed: {
    status: 422,
    title: 'Unprocessable Content',
    meaning: 'One or more fields are missing, of the wrong type, or outside what Candor accepts.',
    fix: 'Each entry of `errors` names a field (`path`) and what is wrong with it; correct those fields. Nothing was written.',
  },
  rate_limited: {
    status: 429,
    title: 'Too Many Requests',
    meaning: 'Too many requests of this kind came from this client or for this address in a short time.',
    fix: 'Wait the number of seconds in the `Retry-After` header, then try again.',
  },
  idempotency_in_progress: {
    status: 409,
    title: 'Conflict',
    meaning: 'A request with the same Idempotency-Key is still being processed.',
    fix: "Retry shortly with the same key; you will get the first request's answer.",
  },
  usage: {
    status: 400,
    title: 'Bad Request',
    meaning: 'A command was called with missing or wrong arguments.',
    fix: 'Run the command with --help for its usage.',
  },
  unauthorized: {
    status: 401,
    title: 'Unauthorized',
    meaning: 'The request carries no credential, or one that is malformed, unknown or revoked: an API key, or the token in an alert integration’s URL.',
    fix: 'Send `Authorization: Bearer <key>` with a key from `npm run candor -- keys create`; an alert source posts to the URL `POST /api/admin/v1/integrations` answered (a disabled integration’s URL stops working).',
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    meaning: 'The API key is valid but lacks the scope this operation needs.',
    fix: 'Use a key with the scope named in `errors` (`read`, `incidents:write` or `admin`).',
  },
  cross_origin: {
    status: 403,
    title: 'Forbidden',
    meaning:
      'A form on another website tried to post to this status page (its Origin is not this page’s): a cross-site request forgery is refused. Nothing was written.',
    fix: 'Use the form on the status page itself. Programs post JSON, or send no Origin header.',
  },
  malformed_json: {
    status: 400,
    title: 'Bad Request',
    meaning: 'The body is not valid JSON.',
    fix: 'Send a JSON body; `errors[].message` says where parsing stopped.',
  },
  malformed_csv: {
    status: 400,
    title: 'Bad Request',
    meaning: 'The body is not valid CSV (RFC 4180: a header row, then one record a line; quotes around fields that hold commas, quotes or line breaks).',
    fix: '`errors[].message` says where parsing stopped; fix that line, or send JSON instead.',
  },
  body_too_large: {
    status: 413,
    title: 'Content Too Large',
    meaning: 'The body is larger than Candor accepts for this endpoint.',
    fix: 'Send a smaller body; split an import into several requests.',
  },
  unsupported_media_type: {
    status: 415,
    title: 'Unsupported Media Type',
    meaning: 'The body is not sent as a type this endpoint reads.',
    fix: 'Send `Content-Type: application/json` (or `text/csv` where an import accepts it).',
  },
  database_unavailable: {
    status: 503,
    title: 'Service Unavailable',
    meaning: 'This instance cannot reach its database right now (down, unreachable, or busy with another writer). Nothing was written.',
    fix: 'Retry after the seconds in `Retry-After`; behind a load balancer, another instance may answer.',
  },
  internal_error: {
    status: 500,
    title: 'Internal Server Error',
    meaning: "Something went wrong on Candor's side; the request was not a mistake of yours.",
    fix: 'Retry later. If it persists, give the operators the `request_id`: the cause is in their logs.',
  },
};

export const PROBLEM_CODES = Object.keys(PROBLEMS) as ProblemCode[];

/** Builds the problem body for a code and detail; its `type` is the page that explains the code. */
export function problem(c: AppContext, code: ProblemCode, detail: string, errors: FieldError[] = []): Problem {
  return {
    type: `/problems/${code}`,
    title: PROBLEMS[code].title,
    status: PROBLEMS[code].status,
    detail,
    instance: c.req.path,
    code,
    request_id: c.get('requestId') ?? null,
    errors,
  };
}

export function problemResponse(body: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

/**
 * The one place errors become HTTP: domain and edge errors are 4xx with their fields;
 * anything else is a 500 that says only that something went wrong (the cause is logged).
 */
export function errorToResponse(c: AppContext, err: unknown, log: (cause: unknown) => void): Response {
  if (err instanceof HttpProblem) {
    return problemResponse(problem(c, err.code, err.message, err.errors), err.headers);
  }
  if (err instanceof RateLimited) {
    return problemResponse(problem(c, err.code, err.message, err.errors), { 'retry-after': String(err.retryAfterSeconds) });
  }
  if (err instanceof DomainError) {
    return problemResponse(problem(c, err.code, err.message, err.errors));
  }
  if (err instanceof WriteConflict) {
    return problemResponse(problem(c, 'conflict', `${err.message}; try again`));
  }
  if (databaseUnavailable(err)) {
    log(err);
    return problemResponse(problem(c, 'database_unavailable', 'The database is unavailable; try again shortly'), { 'retry-after': '5' });
  }
  log(err);
  return problemResponse(problem(c, 'internal_error', 'Something went wrong on our side; the request id identifies it in our logs'));
}

// Errors that say the database could not be reached or was held by another writer, anywhere in
// the cause chain (drizzle wraps the client's error, which wraps the socket's).
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'HRANA_WEBSOCKET_ERROR',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);

/** Whether `err` means the database is out of reach for now (503), not that the request was wrong. */
function databaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (e.message === 'fetch failed' || /\bHTTP status 50[234]\b/.test(e.message)) return true;
    // The database call's deadline (CANDOR_DB_TIMEOUT_MS) passed: a frozen or overloaded server.
    if (e.name === 'TimeoutError') return true;
  }
  return false;
}
