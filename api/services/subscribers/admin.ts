import { and, asc, eq, gt, inArray, isNotNull, isNull, like, or, sql, type SQL } from 'drizzle-orm';
import { components, subscriberComponents, subscribers } from '../../../db/schema/index.ts';
import { INTERNAL, type Statement } from '../../../db/client.ts';
import { newIds } from '../../../db/ids.ts';
import { checkEndpoint } from '../../domain/subscribers/endpoint.ts';
import { NotFound, ValidationFailed, type FieldError } from '../../domain/errors.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { auditEntry } from '../audit.ts';
import type { Page } from '../paging.ts';
import { removeSubscriber } from './manage.ts';
import {
  normaliseEmail,
  planSubscription,
  subscriptionFields,
  subscriptionRow,
  type Subscriber,
  type SubscriptionRequest,
  type WantedSubscription,
} from './save.ts';
import { giveWay } from '../turns.ts';

export interface SubscriberFilter {
  state?: 'confirmed' | 'unconfirmed';
  email?: string;
  /** Those who hear of this component: every-component subscribers and those who chose it. */
  componentId?: string;
  limit: number;
  cursor?: string;
}

function where(filter: Omit<SubscriberFilter, 'limit' | 'cursor'>): SQL | undefined {
  return and(
    filter.state === 'confirmed' ? isNotNull(subscribers.confirmedAt) : filter.state === 'unconfirmed' ? isNull(subscribers.confirmedAt) : undefined,
    filter.email ? like(subscribers.email, `%${filter.email.toLowerCase().replace(/[%_]/g, '')}%`) : undefined,
    filter.componentId
      ? or(
          eq(subscribers.allComponents, true),
          sql`EXISTS (SELECT 1 FROM subscriber_components sc WHERE sc.subscriber_id = ${subscribers.id} AND sc.component_id = ${filter.componentId})`,
        )
      : undefined,
  );
}

async function withFilters(ctx: ServiceContext, rows: (typeof subscribers.$inferSelect)[]): Promise<Subscriber[]> {
  const filters = rows.length
    ? await ctx.database.db
        .select()
        .from(subscriberComponents)
        .where(
          inArray(
            subscriberComponents.subscriberId,
            rows.map((r) => r.id),
          ),
        )
        .orderBy(sql`rowid`)
    : [];
  return rows.map((r) => ({ ...r, componentIds: r.allComponents ? null : filters.filter((f) => f.subscriberId === r.id).map((f) => f.componentId) }));
}

/** Past the cursor (the last address and id returned): an address may have several subscriptions (email, webhooks). */
function after(cursor: string): SQL | undefined {
  const [email = '', id = ''] = Buffer.from(cursor, 'base64url').toString().split('\n');
  return or(gt(subscribers.email, email), and(eq(subscribers.email, email), gt(subscribers.id, id)));
}

/** Subscribers by address, paged. */
export async function listSubscribers(ctx: ServiceContext, filter: SubscriberFilter): Promise<Page<Subscriber>> {
  const rows = await ctx.database.db
    .select()
    .from(subscribers)
    .where(and(where(filter), filter.cursor ? after(filter.cursor) : undefined))
    .orderBy(asc(subscribers.email), asc(subscribers.id))
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    data: await withFilters(ctx, page),
    nextCursor: rows.length > filter.limit && last ? Buffer.from(`${last.email}\n${last.id}`).toString('base64url') : null,
  };
}

export async function countSubscribers(ctx: ServiceContext) {
  const [row] = await ctx.database.db.select({ total: sql<number>`count(*)`, confirmed: sql<number>`count(${subscribers.confirmedAt})` }).from(subscribers);
  return { total: row?.total ?? 0, confirmed: row?.confirmed ?? 0, unconfirmed: (row?.total ?? 0) - (row?.confirmed ?? 0) };
}

export async function getSubscriber(ctx: ServiceContext, id: string): Promise<Subscriber> {
  const row = await ctx.database.db.select().from(subscribers).where(eq(subscribers.id, id)).get();
  if (!row) throw new NotFound('subscriber', id);
  return (await withFilters(ctx, [row]))[0]!;
}

/** An operator adds one address: confirmed at once when they vouch for it, else a confirmation email goes out. */
export async function createSubscriber(
  ctx: ServiceContext,
  actor: Actor,
  request: Omit<SubscriptionRequest, 'source'>,
): Promise<{ subscriber: Subscriber; signingSecret: string | null }> {
  const { database } = ctx;
  const { id, signingSecret } = await database.exclusive(async () => {
    const plan = await planSubscription(ctx, { ...request, source: 'admin' });
    const audit = auditEntry(
      database,
      actor,
      ctx.now(),
      'subscriber.create',
      { type: 'subscriber', id: plan.id },
      { email: request.email.trim().toLowerCase(), ...(request.endpoint && { type: request.type, endpoint: request.endpoint }) },
    );
    if (plan.statements.length) await database.commit([...plan.statements, audit], INTERNAL);
    return plan;
  });
  return { subscriber: await getSubscriber(ctx, id), signingSecret };
}

/** Resumes a paused webhook or Slack subscription: deliveries start again with the next event. */
export async function resumeSubscriber(ctx: ServiceContext, actor: Actor, id: string): Promise<Subscriber> {
  const { database } = ctx;
  await database.exclusive(async () => {
    const row = await getSubscriber(ctx, id);
    if (row.type === 'email') throw new ValidationFailed([{ path: 'id', message: 'an email subscriber has no deliveries to resume' }]);
    await database.commit(
      [
        database.db.update(subscribers).set({ pausedAt: null, consecutiveFailures: 0 }).where(eq(subscribers.id, id)),
        auditEntry(database, actor, ctx.now(), 'subscriber.resume', { type: 'subscriber', id }, { endpoint: row.endpoint }),
      ],
      INTERNAL,
    );
  });
  return getSubscriber(ctx, id);
}

/**
 * Rows per INSERT of an import: each statement is a step of the import's commit, between which
 * the loop turns (`commitInSteps`); 2 000 rows take SQLite about 20 ms.
 */
const ROWS_PER_INSERT = 2000;

/**
 * Imports many subscribers in one transaction: all or nothing. Set-based, so 100 000 rows take
 * a few reads and one commit: each row is checked in memory (its URL, its components against
 * one read of them), the ones already known are found in chunks, and new rows are written in
 * multi-row inserts. Every bad row is reported by its index; repeats in the list are merged
 * (the first wins); an address or URL already confirmed is left as it is. What needs no
 * database (the URLs, the repeats, new rows' ids, each row's fields with its token and secret)
 * is done before the process's write turn, so other writes wait only for the rest.
 */
export async function importSubscribers(
  ctx: ServiceContext,
  actor: Actor,
  rows: Omit<SubscriptionRequest, 'source'>[],
): Promise<{ imported: number; unchanged: number }> {
  const { database } = ctx;
  const { db } = database;
  const now = ctx.now();
  const endpointErrors = new Map<number, FieldError[]>();
  /** Each row's components, each named once. */
  const componentsOf: string[][] = [];
  const seen = new Set<string>();
  const wanted: WantedSubscription[] = [];
  for (const [i, row] of rows.entries()) {
    if (i % 1000 === 0) await giveWay();
    const type = row.type ?? 'email';
    const endpoint = type === 'email' ? null : (row.endpoint ?? '').trim();
    const errors =
      endpoint !== null
        ? checkEndpoint(endpoint, ctx.webhookAllowedNetworks, `[${i}].endpoint`)
        : row.endpoint
          ? [{ path: `[${i}].endpoint`, message: 'only webhook and slack subscribers have an endpoint' }]
          : [];
    if (errors.length) endpointErrors.set(i, errors);
    componentsOf.push([...new Set(row.componentIds ?? [])]);
    const identity = endpoint ?? `email:${normaliseEmail(row.email)}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    wanted.push({ type, email: normaliseEmail(row.email), endpoint, componentIds: componentsOf[i]!, confirmed: row.confirmed ?? false });
  }
  const ids = newIds(wanted.length);
  const made: ReturnType<typeof subscriptionFields>[] = [];
  for (const [i, w] of wanted.entries()) {
    if (i % 1000 === 0) await giveWay();
    made.push(subscriptionFields(w, now));
  }

  return database.exclusive(async () => {
    const live = new Set((await db.select({ id: components.id }).from(components).where(isNull(components.deletedAt))).map((c) => c.id));
    const errors: FieldError[] = [];
    for (const [i, named] of componentsOf.entries()) {
      if (i % 1000 === 0) await giveWay();
      errors.push(...(endpointErrors.get(i) ?? []));
      named.forEach((id, j) => {
        if (!live.has(id)) errors.push({ path: `[${i}].component_ids[${j}]`, message: `no component with id ${id}` });
      });
    }
    if (errors.length) throw new ValidationFailed(errors.slice(0, 1000));

    // Who is already known, by address (email) or URL (the others), a chunk at a time.
    const known = new Map<string, { id: string; confirmedAt: Date | null }>();
    for (const chunk of chunks(wanted, 5000)) {
      // The embedded file's calls answer without the loop turning in between: it is given one.
      await giveWay();
      const emails = chunk.filter((w) => w.endpoint === null).map((w) => w.email);
      const endpoints = chunk.flatMap((w) => (w.endpoint === null ? [] : [w.endpoint]));
      const found = await db
        .select({ id: subscribers.id, type: subscribers.type, email: subscribers.email, endpoint: subscribers.endpoint, confirmedAt: subscribers.confirmedAt })
        .from(subscribers)
        .where(
          or(
            and(eq(subscribers.type, 'email'), sql`${subscribers.email} IN (SELECT value FROM json_each(${JSON.stringify(emails)}))`),
            sql`${subscribers.endpoint} IN (SELECT value FROM json_each(${JSON.stringify(endpoints)}))`,
          ),
        );
      for (const f of found) known.set(f.endpoint ?? `email:${f.email}`, f);
    }

    const statements: Statement[] = [];
    // New rows go in as JSON arrays that SQLite unpacks (`json_each`): building 100 000 rows'
    // bound values through the query builder held the event loop (and the page) for seconds.
    const fresh: unknown[][] = [];
    /** Known, not confirmed yet: their fields written again (a new token), their components replaced. */
    const resent: unknown[][] = [];
    const filters: [string, string][] = [];
    const confirmations: unknown[][] = [];
    let imported = 0;
    for (const [i, w] of wanted.entries()) {
      if (i % 1000 === 0) await giveWay();
      const existing = known.get(w.endpoint ?? `email:${w.email}`);
      if (existing?.confirmedAt) continue;
      imported++;
      const id = existing?.id ?? ids[i]!;
      // One known but not confirmed yet keeps its id (and gets a new token under it).
      const { fields, confirmation } = subscriptionRow(id, w, now, made[i]);
      (existing ? resent : fresh).push([
        id,
        fields.type,
        fields.email,
        fields.endpoint,
        fields.signingSecret,
        fields.confirmedAt?.getTime() ?? null,
        fields.confirmTokenHash,
        fields.confirmExpiresAt?.getTime() ?? null,
        fields.allComponents ? 1 : 0,
      ]);
      for (const componentId of w.componentIds) filters.push([id, componentId]);
      if (confirmation) confirmations.push([confirmation.recipient, confirmation.eventKey, confirmation.template, id, JSON.stringify(confirmation.payload)]);
    }
    const at = now.getTime();
    // Each chunk's JSON takes a moment to build: the loop turns between them.
    const chunked = async (items: unknown[], statement: (json: string) => SQL) => {
      for (const chunk of chunks(items, ROWS_PER_INSERT)) {
        await giveWay();
        statements.push(db.run(statement(JSON.stringify(chunk))));
      }
    };
    await chunked(
      resent,
      (json) => sql`UPDATE subscribers SET type = j.value ->> 1, email = j.value ->> 2, endpoint = j.value ->> 3, signing_secret = j.value ->> 4,
          confirmed_at = j.value ->> 5, confirm_token_hash = j.value ->> 6, confirm_expires_at = j.value ->> 7, all_components = j.value ->> 8
        FROM json_each(${json}) AS j WHERE subscribers.id = j.value ->> 0`,
    );
    await chunked(resent, (json) => sql`DELETE FROM subscriber_components WHERE subscriber_id IN (SELECT value ->> 0 FROM json_each(${json}))`);
    await chunked(
      fresh,
      (
        json,
      ) => sql`INSERT INTO subscribers (id, type, email, endpoint, signing_secret, confirmed_at, confirm_token_hash, confirm_expires_at, all_components, source, created_at)
        SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8, 'import', ${at} FROM json_each(${json})`,
    );
    await chunked(
      filters,
      (json) => sql`INSERT INTO subscriber_components (subscriber_id, component_id) SELECT value ->> 0, value ->> 1 FROM json_each(${json})`,
    );
    await chunked(
      confirmations,
      (json) => sql`INSERT INTO outbox (recipient, channel, event_key, template, subscriber_id, payload, status, attempts, next_attempt_at, created_at)
        SELECT value ->> 0, 'email', value ->> 1, value ->> 2, value ->> 3, value ->> 4, 'queued', 0, ${at}, ${at} FROM json_each(${json})`,
    );
    const result = { imported, unchanged: rows.length - imported };
    if (statements.length)
      await database.commitInSteps(
        [...statements, auditEntry(database, actor, now, 'subscriber.import', { type: 'subscriber', id: 'import' }, result)],
        giveWay,
        INTERNAL,
      );
    return result;
  });
}

/** `items` in runs of `size`. */
function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let from = 0; from < items.length; from += size) out.push(items.slice(from, from + size));
  return out;
}

export async function deleteSubscriber(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  if (!(await removeSubscriber(ctx, id, actor))) throw new NotFound('subscriber', id);
}

/** Per component, how many confirmed subscribers hear of it (every-component subscribers included). */
export async function countsPerComponent(ctx: ServiceContext): Promise<{ all: number; byComponent: Map<string, number> }> {
  const { db } = ctx.database;
  const [everything, scoped] = await Promise.all([
    db.get<{ n: number }>(sql`SELECT count(*) AS n FROM subscribers WHERE confirmed_at IS NOT NULL AND all_components = 1`),
    db.all<{ componentId: string; n: number }>(
      sql`SELECT sc.component_id AS componentId, count(*) AS n FROM subscriber_components sc JOIN subscribers s ON s.id = sc.subscriber_id WHERE s.confirmed_at IS NOT NULL GROUP BY sc.component_id`,
    ),
  ]);
  const all = Number(everything?.n ?? 0);
  return { all, byComponent: new Map(scoped.map((r) => [r.componentId, all + Number(r.n)])) };
}
