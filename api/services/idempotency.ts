import { createHash } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import { idempotencyKeys } from '../../db/schema/index.ts';
import { Conflict, ValidationFailed } from '../domain/errors.ts';
import type { ServiceContext } from './context.ts';

/** How long a key's first response is kept for replay. */
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface IdempotentRequest {
  apiKeyId: string;
  key: string;
  method: string;
  path: string;
  body: string;
}

export type Reservation = { replay: false } | { replay: true; status: number; body: string };

const hash = (r: IdempotentRequest) => createHash('sha256').update(`${r.method} ${r.path}\n${r.body}`).digest('hex');
const where = (r: IdempotentRequest) => and(eq(idempotencyKeys.apiKeyId, r.apiKeyId), eq(idempotencyKeys.key, r.key));

/**
 * Claims an Idempotency-Key for a request, or finds the first response to replay. The same
 * key with a different request is a client mistake (422); a key whose first request is still
 * running is a conflict (409).
 */
export async function reserveIdempotencyKey(ctx: ServiceContext, request: IdempotentRequest): Promise<Reservation> {
  const { db } = ctx.database;
  if (request.key.length < 1 || request.key.length > 255) {
    throw new ValidationFailed([{ path: 'Idempotency-Key', message: 'must be 1 to 255 characters' }]);
  }
  const now = ctx.now();
  await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, new Date(now.getTime() - IDEMPOTENCY_TTL_MS)));
  const claimed = await db
    .insert(idempotencyKeys)
    .values({ apiKeyId: request.apiKeyId, key: request.key, method: request.method, path: request.path, requestHash: hash(request), createdAt: now })
    .onConflictDoNothing();
  if (claimed.rowsAffected === 1) return { replay: false };
  const first = await db.select().from(idempotencyKeys).where(where(request)).get();
  if (!first) return reserveIdempotencyKey(ctx, request);
  if (first.requestHash !== hash(request)) {
    throw new ValidationFailed(
      [{ path: 'Idempotency-Key', message: `already used for a different request (${first.method} ${first.path})` }],
      'This Idempotency-Key was used with a different request',
    );
  }
  if (first.responseStatus === null || first.responseBody === null) {
    throw new Conflict(
      'The first request with this Idempotency-Key is still being processed; retry shortly',
      [{ path: 'Idempotency-Key', message: 'request in progress' }],
      'idempotency_in_progress',
    );
  }
  return { replay: true, status: first.responseStatus, body: first.responseBody };
}

/** Stores the first response for replay. */
export async function completeIdempotencyKey(ctx: ServiceContext, request: IdempotentRequest, status: number, body: string): Promise<void> {
  await ctx.database.db.update(idempotencyKeys).set({ responseStatus: status, responseBody: body }).where(where(request));
}

/** Frees the key when the first request failed, so a retry runs it afresh. */
export async function releaseIdempotencyKey(ctx: ServiceContext, request: IdempotentRequest): Promise<void> {
  await ctx.database.db.delete(idempotencyKeys).where(where(request));
}
