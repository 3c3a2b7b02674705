import type { EmailBrand } from '../../../emails/brand.ts';
import { and, desc, eq, inArray, like, sql } from 'drizzle-orm';
import { customers, outbox } from '../../../db/schema/index.ts';
import { billingPeriod } from '../../domain/availability/sla.ts';
import { renderCustomerEmail } from '../../../emails/templates/customer-notice.ts';
import { statementLines } from '../../../emails/sla-text.ts';
import type { ServiceContext } from '../context.ts';
import { getCustomer, type Customer } from './customers.ts';
import { getPlan } from './plans.ts';
import { customerFigures, loadRecords, type Period } from './sla-figures.ts';
import { periodOf, reportShape } from './sla-report.ts';
import { eventKey, statementPeriodOf, type EmailTemplate } from '../../domain/outbox/events.ts';
import { INTERNAL } from '../../../db/client.ts';

export const STATEMENT_TEMPLATE = 'customer-statement' satisfies EmailTemplate;

/** The customer's last closed billing period at `now`. */
function lastClosedPeriod(anchorDay: number | null, now: Date): Period {
  const current = billingPeriod(now, anchorDay);
  return billingPeriod(new Date(current.from.getTime() - 1), anchorDay);
}

const statementKey = (customerId: string, period: Period) => eventKey({ kind: 'statement', customerId, ...period });

/** A customer's statement for one period: the figures (as the SLA report states them) and the email. */
async function customerStatement(ctx: ServiceContext, customer: Customer, period: Period, site: { pageName: string; publicUrl: string; brand?: EmailBrand }) {
  const plan = await getPlan(ctx, customer.planId);
  const figures = customerFigures(customer, plan, period, await loadRecords(ctx, period), ctx.now());
  const email = await renderCustomerEmail({
    kind: 'statement',
    customerName: customer.name,
    pageName: site.pageName,
    pageUrl: site.publicUrl,
    period,
    lines: statementLines(figures, plan),
    brand: site.brand,
  });
  return { figures: reportShape(figures), email };
}

/** Renders a customer's statement without sending it: the last closed period by default, or `YYYY-MM`. */
export async function previewStatement(ctx: ServiceContext, customerId: string, month: string | undefined, site: { pageName: string; publicUrl: string }) {
  const customer = await getCustomer(ctx, customerId);
  const now = ctx.now();
  const period = month ? periodOf(month, customer.billingAnchorDay, now) : lastClosedPeriod(customer.billingAnchorDay, now);
  const { figures, email } = await customerStatement(ctx, customer, period, site);
  return { ...figures, ...email };
}

/** The email for a queued statement (the outbox sender's side). */
export async function statementEmail(ctx: ServiceContext, eventKey: string, site: { pageName: string; publicUrl: string; brand?: EmailBrand }) {
  const customer = await getCustomer(ctx, eventKey.split(':')[1] ?? '');
  return (await customerStatement(ctx, customer, statementPeriodOf(eventKey), site)).email;
}

/** The statements a customer was sent (or has queued), newest period first. */
export async function listStatements(ctx: ServiceContext, customerId: string) {
  await getCustomer(ctx, customerId);
  const rows = await ctx.database.db
    .select({
      eventKey: outbox.eventKey,
      queuedAt: sql<number>`min(${outbox.createdAt})`,
      lastSentAt: sql<number | null>`max(${outbox.sentAt})`,
      recipients: sql<number>`count(*)`,
      sent: sql<number>`sum(${outbox.status} = 'sent')`,
      failed: sql<number>`sum(${outbox.status} = 'failed')`,
    })
    .from(outbox)
    .where(and(eq(outbox.template, STATEMENT_TEMPLATE), like(outbox.eventKey, `statement:${customerId}:%`)))
    .groupBy(outbox.eventKey)
    .orderBy(desc(outbox.eventKey));
  return rows.map((r) => ({
    period: statementPeriodOf(r.eventKey),
    queuedAt: new Date(r.queuedAt),
    lastSentAt: r.lastSentAt === null ? null : new Date(r.lastSentAt),
    recipients: r.recipients,
    sent: r.sent,
    failed: r.failed,
  }));
}

/** When the next billing period closes for any customer (null: no customers). */
export async function nextStatementAt(ctx: ServiceContext): Promise<Date | null> {
  const now = ctx.now();
  const anchors = await ctx.database.db.selectDistinct({ anchor: customers.billingAnchorDay }).from(customers);
  const closes = anchors.map((a) => billingPeriod(now, a.anchor).to.getTime());
  return closes.length ? new Date(Math.min(...closes)) : null;
}

/**
 * Queues each customer's statement for their last closed period, once per contact: unique
 * (recipient, event) rows make a second pass, a restart or another instance a no-op. A
 * customer created after that period closed gets none for it.
 */
export async function queueDueStatements(ctx: ServiceContext): Promise<number> {
  const now = ctx.now();
  const { db } = ctx.database;
  const due = (
    await db.select({ id: customers.id, contacts: customers.contacts, anchor: customers.billingAnchorDay, createdAt: customers.createdAt }).from(customers)
  ).flatMap((c) => {
    const period = lastClosedPeriod(c.anchor, now);
    return c.createdAt < period.to ? [{ ...c, period, key: statementKey(c.id, period) }] : [];
  });
  if (!due.length) return 0;
  // Read first, so an idle pass writes nothing (and moves no change counter).
  const queued = new Set(
    (
      await db
        .selectDistinct({ key: outbox.eventKey })
        .from(outbox)
        .where(
          inArray(
            outbox.eventKey,
            due.map((d) => d.key),
          ),
        )
    ).map((r) => r.key),
  );
  const statements = due
    .filter((d) => !queued.has(d.key))
    .flatMap((d) => {
      return d.contacts.map((recipient) =>
        db
          .insert(outbox)
          .values({ recipient, eventKey: d.key, template: STATEMENT_TEMPLATE, status: 'queued', attempts: 0, nextAttemptAt: now, createdAt: now })
          .onConflictDoNothing(),
      );
    });
  if (statements.length) await ctx.database.commit(statements, INTERNAL);
  return statements.length;
}
