import { eq } from 'drizzle-orm';
import { rateLimits } from '../../db/schema/index.ts';
import { RateLimited } from '../domain/errors.ts';
import { nextWindow, SUBSCRIBE_LIMIT } from '../domain/rate-limit.ts';
import type { ServiceContext } from './context.ts';

/** Counts one request against each key (e.g. `ip:…`, `email:…`); throws RateLimited when any is over. */
export async function consumeRateLimit(ctx: ServiceContext, keys: { key: string; path: string }[], policy = SUBSCRIBE_LIMIT): Promise<void> {
  const { db } = ctx.database;
  const now = ctx.now();
  let refused: RateLimited | null = null;
  for (const { key, path } of keys) {
    const row = await db.select().from(rateLimits).where(eq(rateLimits.key, key)).get();
    const next = nextWindow(row ?? null, now, policy);
    await db
      .insert(rateLimits)
      .values({ key, windowStart: next.windowStart, count: next.count })
      .onConflictDoUpdate({ target: rateLimits.key, set: { windowStart: next.windowStart, count: next.count } });
    if (!next.allowed) refused ??= new RateLimited(next.retryAfterSeconds, path);
  }
  if (refused) throw refused;
}
