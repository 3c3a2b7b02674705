import { and, desc, inArray } from 'drizzle-orm';
import { outbox } from '../../../db/schema/index.ts';
import { resolvedGaps } from '../../domain/incident/duration.ts';
import { renderCustomerEmail } from '../../../emails/templates/customer-notice.ts';
import { resolutionSlaLines } from '../../../emails/sla-text.ts';
import type { EmailBrand } from '../../../emails/brand.ts';
import type { ServiceContext } from '../context.ts';
import { getIncident } from '../incidents/get.ts';
import { getCustomer } from './customers.ts';
import { getPlan } from './plans.ts';
import { customerFigures, loadRecords, periodsTouched, spanOf } from './sla-figures.ts';

/**
 * A customer's email about an incident. The resolution states, per billing period the
 * incident touched, the downtime it caused there and the credit already owed (the same
 * figures as the SLA report and the period statement).
 */
export async function customerEmail(
  ctx: ServiceContext,
  input: { customerId: string; incidentId: string; kind: 'notice' | 'resolution' },
  site: { pageName: string; publicUrl: string; emailTimeZone?: string; brand?: EmailBrand },
  /** An update not yet posted (the console's preview): its text, and whether it resolves now. */
  draft?: { body: string; resolves: boolean },
) {
  const [customer, stored] = await Promise.all([getCustomer(ctx, input.customerId), getIncident(ctx, input.incidentId)]);
  const incident = draft?.resolves ? { ...stored, resolvedAt: ctx.now() } : stored;
  const now = ctx.now();
  const inScope = (id: string) => customer.componentIds === null || customer.componentIds.includes(id);
  const resolution = input.kind === 'resolution';
  let sla: string[][] = [];
  if (resolution) {
    const plan = await getPlan(ctx, customer.planId);
    const periods = periodsTouched(customer.billingAnchorDay, incident.startedAt, incident.resolvedAt ?? now);
    const records = await loadRecords(ctx, spanOf(periods));
    sla = resolutionSlaLines(
      incident.id,
      periods.map((p) => customerFigures(customer, plan, p, records, now)),
      plan,
    );
  }
  const latest = draft ?? incident.updates.find((u) => u.public);
  return renderCustomerEmail({
    kind: input.kind,
    customerName: customer.name,
    pageName: site.pageName,
    incidentUrl: `${site.publicUrl}/incidents/${incident.id}`,
    title: incident.title,
    startedAt: incident.startedAt,
    resolvedAt: incident.resolvedAt,
    resolvedGaps: resolvedGaps(incident.updates),
    now,
    affected: incident.components.filter((c) => inScope(c.id)).map((c) => c.name),
    body: latest?.body ?? '',
    updated: resolution && incident.reopenCount > 0,
    sla,
    zone: site.emailTimeZone,
    brand: site.brand,
  });
}

/** The incident emails a customer's contacts were sent or have queued, newest first. */
export async function customerEmailsSent(ctx: ServiceContext, contacts: string[]) {
  if (!contacts.length) return [];
  const rows = await ctx.database.db
    .select({
      recipient: outbox.recipient,
      template: outbox.template,
      eventKey: outbox.eventKey,
      status: outbox.status,
      createdAt: outbox.createdAt,
      sentAt: outbox.sentAt,
    })
    .from(outbox)
    .where(and(inArray(outbox.recipient, contacts), inArray(outbox.template, ['customer-notice', 'customer-resolution'])))
    .orderBy(desc(outbox.createdAt))
    .limit(50);
  // `customer_notice:<incident>` or `customer_resolution:<incident>:<reopens>` (a sent row keeps no payload).
  return rows.map(({ eventKey, ...r }) => ({ ...r, incidentId: eventKey.split(':')[1] ?? '' }));
}
