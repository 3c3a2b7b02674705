import type { ServiceContext } from '../context.ts';
import { RETRY_POLICY } from '../../domain/outbox/delivery.ts';
import { eventKey, type EmailTemplate } from '../../domain/outbox/events.ts';
import { emailTemplate } from '../../domain/outbox/events.ts';

/** Webhook deliveries one sender claims at once (sent concurrently). */
const WEBHOOK_CHUNK = 100;

export interface ClaimedDelivery {
  id: number;
  eventKey: string;
  template: EmailTemplate;
  subscriberId: string;
  payload: Record<string, string> | null;
  attempts: number;
  createdAt: Date;
}

/**
 * Leases up to `limit` webhook deliveries that are due (or whose sender died: lease ran out),
 * in one UPDATE … RETURNING: two senders never get the same row.
 */
export async function claimDeliveries(ctx: ServiceContext, limit = WEBHOOK_CHUNK, leaseMs = RETRY_POLICY.leaseMs): Promise<ClaimedDelivery[]> {
  const now = ctx.now().getTime();
  const result = await ctx.database.client.execute({
    sql: `UPDATE outbox SET status = 'sending', lease_until = ?1, attempts = attempts + 1
          WHERE id IN (
            SELECT id FROM (SELECT id FROM outbox WHERE channel = 'webhook' AND status = 'queued' AND next_attempt_at <= ?2 ORDER BY id LIMIT ?3)
            UNION ALL
            SELECT id FROM (SELECT id FROM outbox WHERE channel = 'webhook' AND status = 'sending' AND lease_until < ?2 ORDER BY id LIMIT ?3))
            AND (status = 'queued' OR lease_until < ?2)
          RETURNING id, event_key, template, subscriber_id, payload, attempts, created_at`,
    args: [now + leaseMs, now, limit],
  });
  return result.rows
    .map((r) => ({
      id: Number(r.id),
      eventKey: String(r.event_key),
      template: emailTemplate(String(r.template)),
      subscriberId: String(r.subscriber_id),
      payload: r.payload ? (JSON.parse(String(r.payload)) as Record<string, string>) : null,
      attempts: Number(r.attempts),
      createdAt: new Date(Number(r.created_at)),
    }))
    .sort((a, b) => a.id - b.id);
}

export type DeliveryOutcome =
  | { id: number; subscriberId: string; sent: true }
  | { id: number; subscriberId: string; sent: false; error: string; retryAt: Date | null; payload: Record<string, string> | null; counts: boolean };

/**
 * Records a chunk's outcomes in one write transaction: rows sent, queued again (with the body
 * they were sent with, so a retry sends the same bytes) or failed; each subscriber's run of
 * failures; and a subscription that reached `pauseAfter` failures in a row is paused — its
 * waiting deliveries failed and a notice queued to its email address.
 */
export async function recordDeliveries(ctx: ServiceContext, outcomes: DeliveryOutcome[], pauseAfter: number): Promise<void> {
  if (!outcomes.length) return;
  const now = ctx.now().getTime();
  const sent = outcomes.filter((o) => o.sent).map((o) => o.id);
  const failed = outcomes.flatMap((o) =>
    o.sent ? [] : [{ id: o.id, error: o.error, at: o.retryAt?.getTime() ?? null, payload: o.payload ? JSON.stringify(o.payload) : null }],
  );
  const succeeded = [...new Set(outcomes.filter((o) => o.sent).map((o) => o.subscriberId))];
  // The last counted failure per subscriber (a subscriber removed or paused meanwhile counts nothing).
  const failing = new Map(outcomes.flatMap((o) => (!o.sent && o.counts ? [[o.subscriberId, o.error] as const] : [])));
  const failures = [...failing].map(([id, error]) => ({ id, error, n: outcomes.filter((o) => !o.sent && o.counts && o.subscriberId === id).length }));
  const pausedKey = (id: string) => eventKey({ kind: 'webhook_paused', subscriberId: id, at: new Date(now) });
  const statements = [
    {
      sql: `UPDATE outbox SET status = 'sent', sent_at = ?1, lease_until = NULL, payload = NULL, last_error = NULL
            WHERE id IN (SELECT value FROM json_each(?2)) AND status = 'sending'`,
      args: [now, JSON.stringify(sent)],
    },
    {
      sql: `UPDATE outbox SET
              status = CASE WHEN f.value ->> 'at' IS NULL THEN 'failed' ELSE 'queued' END,
              next_attempt_at = coalesce(f.value ->> 'at', next_attempt_at),
              lease_until = NULL, last_error = f.value ->> 'error', payload = f.value ->> 'payload'
            FROM json_each(?1) AS f
            WHERE outbox.id = f.value ->> 'id' AND outbox.status = 'sending'`,
      args: [JSON.stringify(failed)],
    },
    {
      sql: `UPDATE subscribers SET consecutive_failures = 0 WHERE id IN (SELECT value FROM json_each(?1))`,
      args: [JSON.stringify(succeeded)],
    },
    {
      sql: `UPDATE subscribers SET consecutive_failures = consecutive_failures + f.value ->> 'n', last_error = f.value ->> 'error', last_error_at = ?2,
              paused_at = CASE WHEN paused_at IS NULL AND consecutive_failures + f.value ->> 'n' >= ?3 THEN ?2 ELSE paused_at END
            FROM json_each(?1) AS f
            WHERE subscribers.id = f.value ->> 'id' AND subscribers.paused_at IS NULL`,
      args: [JSON.stringify(failures), now, pauseAfter],
    },
    // Those paused just now: their waiting deliveries fail, and their address hears why.
    {
      sql: `UPDATE outbox SET status = 'failed', last_error = 'subscription paused after repeated failures', lease_until = NULL
            WHERE channel = 'webhook' AND status = 'queued'
              AND subscriber_id IN (SELECT s.id FROM subscribers s, json_each(?1) AS f WHERE s.id = f.value ->> 'id' AND s.paused_at = ?2)`,
      args: [JSON.stringify(failures), now],
    },
    ...failures.map((f) => ({
      sql: `INSERT INTO outbox (recipient, channel, event_key, template, subscriber_id, payload, status, attempts, next_attempt_at, created_at)
            SELECT email, 'email', ?1, 'webhook-paused', id, json_object('endpoint', endpoint, 'error', last_error, 'failures', CAST(consecutive_failures AS TEXT)), 'queued', 0, ?2, ?2
            FROM subscribers WHERE id = ?3 AND paused_at = ?2
            ON CONFLICT (recipient, event_key) DO NOTHING`,
      args: [pausedKey(f.id), now, f.id],
    })),
  ];
  await ctx.database.client.batch(statements, 'write');
}
