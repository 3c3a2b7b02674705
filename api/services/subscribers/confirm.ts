import { eq } from 'drizzle-orm';
import { subscribers } from '../../../db/schema/index.ts';
import { ValidationFailed } from '../../domain/errors.ts';
import type { ServiceContext } from '../context.ts';
import { sha256 } from '../secrets.ts';
import { INTERNAL } from '../../../db/client.ts';

/** Confirms the subscription a confirmation token belongs to; an unknown or expired token is refused. */
export async function confirmSubscription(ctx: ServiceContext, token: string): Promise<{ id: string; email: string }> {
  const { database } = ctx;
  return database.exclusive(async () => {
    const row = await database.db
      .select()
      .from(subscribers)
      .where(eq(subscribers.confirmTokenHash, sha256(token)))
      .get();
    const now = ctx.now();
    if (!row?.confirmExpiresAt || row.confirmExpiresAt < now) {
      throw new ValidationFailed(
        [{ path: 'token', message: 'this confirmation link is unknown or has expired; subscribe again' }],
        'The confirmation link is not valid',
      );
    }
    await database.commit(
      [database.db.update(subscribers).set({ confirmedAt: now, confirmTokenHash: null, confirmExpiresAt: null }).where(eq(subscribers.id, row.id))],
      INTERNAL,
    );
    return { id: row.id, email: row.email };
  });
}
