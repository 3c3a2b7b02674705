import { and, eq, lt } from 'drizzle-orm';
import { rateLimits } from '../../db/schema/index.ts';
import { RateLimited } from '../domain/errors.ts';
import { nextWindow, SUBSCRIBE_LIMIT } from '../domain/rate-limit.ts';
import type { ServiceContext } from './context.ts';

/** How often a count is retried when another request (in any process) moved it first. */
const MAX_RACES = 50;

/**
 * Counts one request against each key in order (e.g. `ip:…`, then `email:…`); throws
 * RateLimited at the first that is over. A refused request writes nothing: it neither counts
 * against its own key nor uses up the later ones' (a client over its limit cannot spend a
 * victim address's quota). Each count is a compare-and-set on the row read, so concurrent
 * requests — in this process or another — each count once: none is lost.
 */
export async function consumeRateLimit(ctx: ServiceContext, keys: { key: string; path: string }[], policy = SUBSCRIBE_LIMIT): Promise<void> {
  for (const { key, path } of keys) {
    const next = await countOnce(ctx, key, policy);
    if (!next.allowed) throw new RateLimited(next.retryAfterSeconds, path);
  }
}

async function countOnce(ctx: ServiceContext, key: string, policy: typeof SUBSCRIBE_LIMIT) {
  const { db } = ctx.database;
  for (let race = 0; race < MAX_RACES; race++) {
    const row = await db.select().from(rateLimits).where(eq(rateLimits.key, key)).get();
    const next = nextWindow(row ?? null, ctx.now(), policy);
    if (!next.allowed) return next;
    // A key seen for the first time (in its window) also clears the counters whose windows ended,
    // so the table holds only the last window's addresses, not every address ever seen.
    if (!row) await db.delete(rateLimits).where(lt(rateLimits.windowStart, new Date(ctx.now().getTime() - policy.windowMs)));
    const written = row
      ? await db
          .update(rateLimits)
          .set({ windowStart: next.windowStart, count: next.count })
          .where(and(eq(rateLimits.key, key), eq(rateLimits.windowStart, row.windowStart), eq(rateLimits.count, row.count)))
      : await db.insert(rateLimits).values({ key, windowStart: next.windowStart, count: next.count }).onConflictDoNothing();
    if (written.rowsAffected === 1) return next;
  }
  throw new Error(`rate limit ${key}: still contended after ${MAX_RACES} attempts`);
}
