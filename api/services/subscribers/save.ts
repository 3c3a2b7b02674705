import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Statement } from '../../../db/client.ts';
import { outbox, subscriberComponents, subscribers } from '../../../db/schema/index.ts';
import { newId } from '../../../db/ids.ts';
import type { ServiceContext } from '../context.ts';
import { requireComponents } from '../references.ts';
import { CONFIRM_TTL_MS, randomToken } from './tokens.ts';
import { sha256 } from '../secrets.ts';
import { eventKey } from '../../domain/outbox/events.ts';
import { checkEndpoint, type SubscriberType } from '../../domain/subscribers/endpoint.ts';
import { ValidationFailed } from '../../domain/errors.ts';
import { newSigningSecret } from '../webhooks/signing.ts';

export interface SubscriptionRequest {
  /** Default email. */
  type?: SubscriberType;
  /** An email subscriber's address; a webhook's or Slack's address for confirmation and failure notices. */
  email: string;
  /** A webhook's or Slack's URL. */
  endpoint?: string;
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
): Promise<{ id: string; statements: Statement[]; created: boolean; signingSecret: string | null }> {
  const { db } = ctx.database;
  const email = normaliseEmail(request.email);
  const type = request.type ?? 'email';
  const endpoint = type === 'email' ? null : (request.endpoint ?? '').trim();
  if (endpoint !== null) {
    const errors = checkEndpoint(endpoint, ctx.webhookAllowedNetworks);
    if (errors.length) throw new ValidationFailed(errors);
  } else if (request.endpoint) throw new ValidationFailed([{ path: 'endpoint', message: 'only webhook and slack subscribers have an endpoint' }]);
  const componentIds = [...new Set(request.componentIds ?? [])];
  await requireComponents(ctx, componentIds, (i) => `component_ids[${i}]`);
  const now = ctx.now();
  const existing = await db
    .select()
    .from(subscribers)
    .where(endpoint === null ? and(eq(subscribers.type, 'email'), eq(subscribers.email, email)) : eq(subscribers.endpoint, endpoint))
    .get();
  // From the public page every answer does the same work, so its time tells nobody whether the
  // address was new, pending or already subscribed: the same statements are committed, guarded
  // in SQL so that for a confirmed subscription they change nothing.
  const page = request.source === 'page';
  if (existing?.confirmedAt && !page) return { id: existing.id, statements: [], created: false, signingSecret: null };

  const id = existing?.id ?? newId();
  const { fields, confirmation, signingSecret } = subscriptionRow(id, { type, email, endpoint, componentIds, confirmed: request.confirmed ?? false }, now);
  if (page && confirmation)
    return { id, statements: guardedStatements(ctx, id, !!existing, fields, componentIds, confirmation), created: !existing, signingSecret };
  const statements: Statement[] = [
    existing
      ? db.update(subscribers).set(fields).where(eq(subscribers.id, id))
      : db.insert(subscribers).values({ id, source: request.source, createdAt: now, ...fields }),
    db.delete(subscriberComponents).where(eq(subscriberComponents.subscriberId, id)),
  ];
  if (componentIds.length) statements.push(db.insert(subscriberComponents).values(componentIds.map((componentId) => ({ subscriberId: id, componentId }))));
  if (confirmation) statements.push(db.insert(outbox).values(confirmation));
  return { id, statements, created: !existing, signingSecret };
}

/** The page's subscription, written only while the subscriber is not confirmed (a no-op for one that is). */
function guardedStatements(
  ctx: ServiceContext,
  id: string,
  existing: boolean,
  fields: ReturnType<typeof subscriptionRow>['fields'],
  componentIds: string[],
  confirmation: typeof outbox.$inferInsert,
): Statement[] {
  const { db } = ctx.database;
  const unconfirmed = sql`NOT EXISTS (SELECT 1 FROM subscribers WHERE id = ${id} AND confirmed_at IS NOT NULL)`;
  const c = confirmation;
  return [
    existing
      ? db
          .update(subscribers)
          .set(fields)
          .where(and(eq(subscribers.id, id), isNull(subscribers.confirmedAt)))
      : db.insert(subscribers).values({ id, source: 'page', createdAt: c.createdAt, ...fields }),
    db.delete(subscriberComponents).where(and(eq(subscriberComponents.subscriberId, id), unconfirmed)),
    db.run(
      sql`INSERT INTO subscriber_components (subscriber_id, component_id) SELECT ${id}, value FROM json_each(${JSON.stringify(componentIds)}) WHERE ${unconfirmed}`,
    ),
    db.run(sql`INSERT INTO outbox (recipient, channel, event_key, template, subscriber_id, payload, status, attempts, next_attempt_at, created_at)
      SELECT ${c.recipient}, 'email', ${c.eventKey}, ${c.template}, ${id}, ${JSON.stringify(c.payload)}, 'queued', 0, ${c.nextAttemptAt.getTime()}, ${c.createdAt.getTime()} WHERE ${unconfirmed}`),
  ];
}

/** A subscription as asked for (by a form, the API or an import row), its address normalised. */
export type WantedSubscription = { type: SubscriberType; email: string; endpoint: string | null; componentIds: string[]; confirmed: boolean };

/**
 * A subscription's fields as (re)written, and what its confirmation email carries when it is not
 * confirmed yet: a new token each time, and a webhook's new signing secret (only ever shown
 * then). Nothing here depends on the subscriber's id (an import makes these before it knows
 * which rows are known already).
 */
export function subscriptionFields(w: WantedSubscription, now: Date) {
  const token = w.confirmed ? null : randomToken();
  const signingSecret = w.type === 'webhook' ? newSigningSecret() : null;
  const tokenHash = token ? sha256(token) : null;
  const fields = {
    type: w.type,
    email: w.email,
    endpoint: w.endpoint,
    signingSecret,
    confirmedAt: w.confirmed ? now : null,
    confirmTokenHash: tokenHash,
    confirmExpiresAt: token ? new Date(now.getTime() + CONFIRM_TTL_MS) : null,
    allComponents: w.componentIds.length === 0,
  };
  return { fields, token, signingSecret };
}

/** Subscriber `id`'s row (`subscriptionFields`) and its confirmation email, if it is not confirmed yet. */
export function subscriptionRow(id: string, w: WantedSubscription, now: Date, made: ReturnType<typeof subscriptionFields> = subscriptionFields(w, now)) {
  const { fields, token, signingSecret } = made;
  // The raw token (and a webhook's secret, for whoever confirms it) wait in the outbox row only
  // until the email is sent; then they are erased.
  const confirmation: typeof outbox.$inferInsert | null =
    token && fields.confirmTokenHash
      ? {
          recipient: w.email,
          eventKey: eventKey({ kind: 'confirm', subscriberId: id, tokenHash: fields.confirmTokenHash }),
          template: 'subscription-confirmation',
          subscriberId: id,
          payload: signingSecret ? { token, signing_secret: signingSecret } : { token },
          nextAttemptAt: now,
          createdAt: now,
        }
      : null;
  return { fields, confirmation, signingSecret };
}
