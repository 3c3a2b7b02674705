import { and, eq } from 'drizzle-orm';
import { outbox, subscriberComponents, subscribers } from '../../../db/schema/index.ts';
import { ValidationFailed } from '../../domain/errors.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { auditEntry } from '../audit.ts';
import { requireComponents } from '../references.ts';
import { subscriberForToken } from './tokens.ts';
import { INTERNAL } from '../../../db/client.ts';

const invalid = () => new ValidationFailed([{ path: 'token', message: 'this link is not valid (already unsubscribed?)' }], 'The link is not valid');

/** The subscription a manage link shows: address and component filter. */
export async function getSubscription(ctx: ServiceContext, secret: string, token: string) {
  const subscriber = await subscriberForToken(ctx, secret, token);
  if (!subscriber) throw invalid();
  const filter = await ctx.database.db
    .select({ id: subscriberComponents.componentId })
    .from(subscriberComponents)
    .where(eq(subscriberComponents.subscriberId, subscriber.id));
  return {
    id: subscriber.id,
    type: subscriber.type,
    email: subscriber.email,
    endpoint: subscriber.endpoint,
    pausedAt: subscriber.pausedAt,
    lastError: subscriber.lastError,
    componentIds: subscriber.allComponents ? null : filter.map((f) => f.id),
  };
}

/** The subscriber of a manage link resumes its paused webhook or Slack deliveries. */
export async function resumeSubscription(ctx: ServiceContext, secret: string, token: string): Promise<void> {
  const subscriber = await subscriberForToken(ctx, secret, token);
  if (!subscriber) throw invalid();
  await ctx.database.exclusive(() =>
    ctx.database.commit(
      [ctx.database.db.update(subscribers).set({ pausedAt: null, consecutiveFailures: 0 }).where(eq(subscribers.id, subscriber.id))],
      INTERNAL,
    ),
  );
}

/** Changes which components a subscriber hears about (empty: all). */
export async function updateSubscription(ctx: ServiceContext, secret: string, token: string, componentIds: string[]): Promise<void> {
  const { database } = ctx;
  const { db } = database;
  await database.exclusive(async () => {
    const subscriber = await subscriberForToken(ctx, secret, token);
    if (!subscriber) throw invalid();
    const ids = [...new Set(componentIds)];
    await requireComponents(ctx, ids, (i) => `component_ids[${i}]`);
    await database.commit(
      [
        db
          .update(subscribers)
          .set({ allComponents: ids.length === 0 })
          .where(eq(subscribers.id, subscriber.id)),
        db.delete(subscriberComponents).where(eq(subscriberComponents.subscriberId, subscriber.id)),
        ...(ids.length ? [db.insert(subscriberComponents).values(ids.map((componentId) => ({ subscriberId: subscriber.id, componentId })))] : []),
      ],
      INTERNAL,
    );
  });
}

/** Removes a subscriber and anything still waiting to be sent to them. */
export async function removeSubscriber(ctx: ServiceContext, id: string, actor?: Actor): Promise<boolean> {
  const { database } = ctx;
  const { db } = database;
  return database.exclusive(async () => {
    const row = await db.select({ id: subscribers.id, email: subscribers.email }).from(subscribers).where(eq(subscribers.id, id)).get();
    if (!row) return false;
    await database.commit(
      [
        db.delete(outbox).where(and(eq(outbox.subscriberId, id), eq(outbox.status, 'queued'))),
        db.delete(subscriberComponents).where(eq(subscriberComponents.subscriberId, id)),
        db.delete(subscribers).where(eq(subscribers.id, id)),
        ...(actor ? [auditEntry(database, actor, ctx.now(), 'subscriber.delete', { type: 'subscriber', id }, { email: row.email })] : []),
      ],
      INTERNAL,
    );
    return true;
  });
}

/** Unsubscribes whoever a manage link belongs to; an unknown link is refused. */
export async function unsubscribe(ctx: ServiceContext, secret: string, token: string): Promise<void> {
  const subscriber = await subscriberForToken(ctx, secret, token);
  if (!subscriber || !(await removeSubscriber(ctx, subscriber.id))) throw invalid();
}
