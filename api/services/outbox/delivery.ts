import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { gunzipSync, gzipSync } from 'node:zlib';
import { incidents, incidentUpdates, outbox, outboxBatches, outboxEvents } from '../../../db/schema/index.ts';
import type { EmailMessage } from '../../../emails/transports/transport.ts';
import { newId } from '../../../db/ids.ts';
import { BATCH_SIZE, RETRY_POLICY } from '../../domain/outbox/delivery.ts';
import type { ServiceContext } from '../context.ts';
import { emailTemplate, type EmailTemplate } from '../../domain/outbox/events.ts';
import { notYetQueued } from './fan-out.ts';

export interface ClaimedRow {
  id: number;
  recipient: string;
  eventKey: string;
  template: EmailTemplate;
  subscriberId: string | null;
  payload: Record<string, string> | null;
  attempts: number;
  createdAt: Date;
}

export interface ClaimedBatch {
  batchKey: string;
  rows: ClaimedRow[];
}

const RETURNING = 'RETURNING id, recipient, event_key, template, subscriber_id, payload, attempts, created_at';

function toRow(r: Record<string, unknown>): ClaimedRow {
  return {
    id: Number(r.id),
    recipient: String(r.recipient),
    eventKey: String(r.event_key),
    template: emailTemplate(String(r.template)),
    subscriberId: r.subscriber_id === null ? null : String(r.subscriber_id),
    payload: r.payload ? (JSON.parse(String(r.payload)) as Record<string, string>) : null,
    attempts: Number(r.attempts),
    createdAt: new Date(Number(r.created_at)),
  };
}

/**
 * Leases the next batch to send. A batch that failed (or whose sender died: its lease ran
 * out) is claimed again whole, under its old key, so the provider's idempotency key — and so
 * what the provider already accepted — stays the same. Otherwise up to BATCH_SIZE fresh rows
 * become a new batch. Each claim is one UPDATE … RETURNING: two senders never get the same row.
 */
export async function claimBatch(ctx: ServiceContext, leaseMs = RETRY_POLICY.leaseMs): Promise<ClaimedBatch | null> {
  const { client } = ctx.database;
  const now = ctx.now().getTime();
  const lease = now + leaseMs;
  const due = `((status = 'queued' AND next_attempt_at <= ?) OR (status = 'sending' AND lease_until < ?))`;
  for (;;) {
    // Only batches in flight are in this partial index: the lookup never walks the fresh queue.
    const retry = await client.execute({
      sql: `SELECT batch_key FROM outbox INDEXED BY outbox_in_flight_idx WHERE batch_key IS NOT NULL AND ${due} LIMIT 1`,
      args: [now, now],
    });
    const batchKey = retry.rows[0]?.batch_key as string | undefined;
    if (!batchKey) break;
    const claimed = await client.execute({
      sql: `UPDATE outbox SET status = 'sending', lease_until = ?, attempts = attempts + 1 WHERE batch_key = ? AND ${due} ${RETURNING}`,
      args: [lease, batchKey, now, now],
    });
    if (claimed.rows.length) return { batchKey, rows: claimed.rows.map(toRow).sort((a, b) => a.id - b.id) };
    // Another sender took it first; look again.
  }
  const batchKey = newId(16);
  const fresh = await client.execute({
    sql: `UPDATE outbox SET status = 'sending', batch_key = ?, lease_until = ?, attempts = attempts + 1
          WHERE id IN (SELECT id FROM outbox WHERE channel = 'email' AND status = 'queued' AND batch_key IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?)
            AND status = 'queued' ${RETURNING}`,
    args: [batchKey, lease, now, BATCH_SIZE],
  });
  return fresh.rows.length ? { batchKey, rows: fresh.rows.map(toRow).sort((a, b) => a.id - b.id) } : null;
}

/**
 * An event's email as first rendered: the kept one if any sender kept it already, else `render`'s,
 * kept now (the first to keep it wins; every sender then uses the winner).
 */
export async function keptEventEmail<T extends object>(ctx: ServiceContext, eventKey: string, render: () => Promise<T>): Promise<T> {
  const { db } = ctx.database;
  const read = () => db.select({ email: outboxEvents.email }).from(outboxEvents).where(eq(outboxEvents.eventKey, eventKey)).get();
  const kept = await read();
  if (kept) return JSON.parse(kept.email) as T;
  const email = await render();
  await db
    .insert(outboxEvents)
    .values({ eventKey, email: JSON.stringify(email), createdAt: ctx.now() })
    .onConflictDoNothing();
  return JSON.parse((await read())!.email) as T;
}

/** Forgets kept events and batches older than `before` (their messages are settled by then). */
export async function pruneKept(ctx: ServiceContext, before: Date): Promise<void> {
  const { db } = ctx.database;
  await db.batch([db.delete(outboxEvents).where(lt(outboxEvents.createdAt, before)), db.delete(outboxBatches).where(lt(outboxBatches.createdAt, before))]);
}

/** A batch's request as first sent, if it was kept (a retry sends exactly that). */
export async function storedBatch(ctx: ServiceContext, batchKey: string): Promise<{ ids: number[]; messages: EmailMessage[] } | null> {
  const row = await ctx.database.db.select({ body: outboxBatches.body }).from(outboxBatches).where(eq(outboxBatches.batchKey, batchKey)).get();
  return row ? (JSON.parse(gunzipSync(row.body).toString('utf8')) as { ids: number[]; messages: EmailMessage[] }) : null;
}

/** Keeps a batch's request before it first goes out (gzipped: a batch's emails repeat themselves). */
export async function storeBatch(ctx: ServiceContext, batchKey: string, request: { ids: number[]; messages: EmailMessage[] }): Promise<void> {
  const body = gzipSync(JSON.stringify(request), { level: 1 });
  await ctx.database.db.insert(outboxBatches).values({ batchKey, body, createdAt: ctx.now() }).onConflictDoNothing();
}

/** Marks rows sent with the provider's ids, erases what they carried (confirmation tokens) and the batch's kept request. */
export async function markSent(ctx: ServiceContext, batchKey: string, sent: { id: number; providerId: string }[]): Promise<void> {
  if (!sent.length) return;
  const now = ctx.now().getTime();
  // One statement for the whole batch: the ids and provider ids travel as one JSON object.
  const byId = JSON.stringify(Object.fromEntries(sent.map((s) => [s.id, s.providerId])));
  await ctx.database.client.batch(
    [
      {
        sql: `UPDATE outbox SET status = 'sent', sent_at = ?, batch_key = NULL, lease_until = NULL, payload = NULL, last_error = NULL,
            provider_id = (SELECT value FROM json_each(?2) WHERE key = CAST(outbox.id AS TEXT))
          WHERE id IN (SELECT CAST(key AS INTEGER) FROM json_each(?2)) AND status = 'sending'`,
        args: [now, byId],
      },
      { sql: 'DELETE FROM outbox_batches WHERE batch_key = ?', args: [batchKey] },
    ],
    'write',
  );
}

/** Puts a batch back for a retry at `at`, keeping its key. */
export async function markRetry(ctx: ServiceContext, batchKey: string, at: Date, error: string): Promise<void> {
  await ctx.database.client.execute({
    sql: `UPDATE outbox SET status = 'queued', next_attempt_at = ?, lease_until = NULL, last_error = ? WHERE batch_key = ? AND status = 'sending'`,
    args: [at.getTime(), error, batchKey],
  });
}

/** Gives rows up for good, with the reason (and the batch's kept request, when the batch is settled with them). */
export async function markFailed(ctx: ServiceContext, ids: number[], error: string, batchKey?: string): Promise<void> {
  if (!ids.length) return;
  const { db } = ctx.database;
  await db.batch([
    db
      .update(outbox)
      .set({ status: 'failed', batchKey: null, leaseUntil: null, lastError: error })
      .where(and(inArray(outbox.id, ids), eq(outbox.status, 'sending'))),
    db.delete(outboxBatches).where(eq(outboxBatches.batchKey, batchKey ?? '')),
  ]);
}

/** Rows per status, and the recipients of fan-outs in progress not given a row yet. */
export async function outboxCounts(ctx: ServiceContext): Promise<Record<'queued' | 'sending' | 'sent' | 'failed' | 'notYetQueued', number>> {
  const [rows, remaining] = await Promise.all([
    ctx.database.db.select({ status: outbox.status, n: sql<number>`count(*)` }).from(outbox).groupBy(outbox.status),
    notYetQueued(ctx.database),
  ]);
  const counts = { queued: 0, sending: 0, sent: 0, failed: 0, notYetQueued: remaining.total };
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

/** Failed rows with their reasons, oldest first, paged by id. */
export async function failedMessages(ctx: ServiceContext, limit: number, after?: number) {
  const rows = await ctx.database.db
    .select({
      id: outbox.id,
      recipient: outbox.recipient,
      eventKey: outbox.eventKey,
      template: outbox.template,
      attempts: outbox.attempts,
      lastError: outbox.lastError,
      createdAt: outbox.createdAt,
    })
    .from(outbox)
    .where(and(eq(outbox.status, 'failed'), after ? sql`${outbox.id} > ${after}` : undefined))
    .orderBy(asc(outbox.id))
    .limit(limit + 1);
  return { data: rows.slice(0, limit), nextCursor: rows.length > limit ? String(rows[limit - 1]!.id) : null };
}

/** Queues failed rows again (all, or the given ids) as fresh sends. */
export async function retryFailed(ctx: ServiceContext, ids?: number[]): Promise<number> {
  const now = ctx.now();
  const result = await ctx.database.db
    .update(outbox)
    .set({ status: 'queued', attempts: 0, batchKey: null, nextAttemptAt: now, lastError: null })
    .where(and(eq(outbox.status, 'failed'), ids ? inArray(outbox.id, ids) : undefined));
  return result.rowsAffected;
}

/** Per event key, how many emails are queued (or sending, or not yet queued), sent and failed: what each incident update sent. */
export async function countsByEvent(ctx: ServiceContext, keys: string[]): Promise<Map<string, { queued: number; sent: number; failed: number }>> {
  const counts = new Map<string, { queued: number; sent: number; failed: number }>();
  if (!keys.length) return counts;
  const [rows, remaining] = await Promise.all([
    ctx.database.db
      .select({ key: outbox.eventKey, status: outbox.status, n: sql<number>`count(*)` })
      .from(outbox)
      .where(inArray(outbox.eventKey, keys))
      .groupBy(outbox.eventKey, outbox.status),
    notYetQueued(ctx.database, keys),
  ]);
  const of = (key: string) => counts.get(key) ?? counts.set(key, { queued: 0, sent: 0, failed: 0 }).get(key)!;
  for (const r of rows) of(r.key)[r.status === 'sending' ? 'queued' : r.status] += r.n;
  // Recipients a fan-out in progress has still to add are waiting too.
  for (const key of keys) if (remaining.byEvent.has(key)) of(key).queued += remaining.byEvent.get(key)!;
  return counts;
}

/** The latest public incident updates, newest first, with their incident's title (what the outbox screen accounts for). */
export async function recentPublicUpdates(ctx: ServiceContext, limit: number) {
  return ctx.database.db
    .select({
      id: incidentUpdates.id,
      incidentId: incidentUpdates.incidentId,
      status: incidentUpdates.status,
      createdAt: incidentUpdates.createdAt,
      title: incidents.title,
    })
    .from(incidentUpdates)
    .innerJoin(incidents, eq(incidents.id, incidentUpdates.incidentId))
    .where(eq(incidentUpdates.public, true))
    .orderBy(desc(incidentUpdates.createdAt))
    .limit(limit);
}
