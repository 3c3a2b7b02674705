import { eq } from 'drizzle-orm';
import type { WriteStatement } from '../../../db/client.ts';
import { outbox, subscriberComponents, subscribers } from '../../../db/schema/index.ts';
import { newId } from '../../../db/ids.ts';
import type { ServiceContext } from '../context.ts';
import { requireComponents } from '../references.ts';
import { CONFIRM_TTL_MS, randomToken } from './tokens.ts';
import { sha256 } from '../secrets.ts';
import { eventKey } from '../../domain/outbox/events.ts';

export interface SubscriptionRequest {
  email: string;
  /** Absent or empty: every component. */
  componentIds?: string[];
  /** The operator vouches for the address: no confirmation email. */
  confirmed?: boolean;
  source: 'page' | 'admin' | 'import';
}

export type Subscriber = typeof subscribers.$inferSelect & { componentIds: string[] | null };

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/**
 * Plans subscribing an address: a new subscriber, or a new confirmation for one not yet
 * confirmed. An address already confirmed is left as it is (the caller must not reveal which
 * happened). Returns the statements and the subscriber id.
 */
export async function planSubscription(
  ctx: ServiceContext,
  request: SubscriptionRequest,
): Promise<{ id: string; statements: WriteStatement[]; created: boolean }> {
  const { db } = ctx.database;
  const email = normaliseEmail(request.email);
  const componentIds = [...new Set(request.componentIds ?? [])];
  await requireComponents(ctx, componentIds, (i) => `component_ids[${i}]`);
  const now = ctx.now();
  const existing = await db.select().from(subscribers).where(eq(subscribers.email, email)).get();
  if (existing?.confirmedAt) return { id: existing.id, statements: [], created: false };

  const id = existing?.id ?? newId();
  const token = request.confirmed ? null : randomToken();
  const fields = {
    confirmedAt: request.confirmed ? now : null,
    confirmTokenHash: token ? sha256(token) : null,
    confirmExpiresAt: token ? new Date(now.getTime() + CONFIRM_TTL_MS) : null,
    allComponents: componentIds.length === 0,
  };
  const statements: WriteStatement[] = [
    existing
      ? db.update(subscribers).set(fields).where(eq(subscribers.id, id))
      : db.insert(subscribers).values({ id, email, source: request.source, createdAt: now, ...fields }),
    db.delete(subscriberComponents).where(eq(subscriberComponents.subscriberId, id)),
  ];
  if (componentIds.length) statements.push(db.insert(subscriberComponents).values(componentIds.map((componentId) => ({ subscriberId: id, componentId }))));
  if (token) {
    // The raw token waits in the outbox row only until the email is sent (then it is erased).
    statements.push(
      db.insert(outbox).values({
        recipient: email,
        eventKey: eventKey({ kind: 'confirm', subscriberId: id, tokenHash: sha256(token) }),
        template: 'subscription-confirmation',
        subscriberId: id,
        payload: { token },
        nextAttemptAt: now,
        createdAt: now,
      }),
    );
  }
  return { id, statements, created: !existing };
}
