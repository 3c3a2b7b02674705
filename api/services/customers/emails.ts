import { eq } from 'drizzle-orm';
import { incidentComponents } from '../../../db/schema/index.ts';
import { formatUptime } from '../../domain/availability/uptime.ts';
import { renderCustomerEmail } from '../../../emails/templates/customer-notice.ts';
import type { ServiceContext } from '../context.ts';
import { getIncident } from '../incidents/get.ts';
import { getCustomer } from './customers.ts';
import { slaReport } from './sla-report.ts';

const monthLabel = (from: Date, to: Date) => {
  const fmt = (d: Date, year: boolean) => d.toLocaleString('en-GB', { day: 'numeric', month: 'long', timeZone: 'UTC', ...(year && { year: 'numeric' }) });
  if (from.getUTCDate() === 1) return from.toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
  return `${fmt(from, false)} – ${fmt(new Date(to.getTime() - 86_400_000), true)}`;
};

/** A customer's email about an incident, with the SLA figures of its billing period so far (resolution). */
export async function customerEmail(ctx: ServiceContext, input: { customerId: string; incidentId: string; kind: 'notice' | 'resolution' }, site: { pageName: string; publicUrl: string }) {
  const [customer, incident] = await Promise.all([getCustomer(ctx, input.customerId), getIncident(ctx, input.incidentId)]);
  const held = await ctx.database.db.select({ componentId: incidentComponents.componentId }).from(incidentComponents).where(eq(incidentComponents.incidentId, incident.id));
  const inScope = (id: string) => customer.componentIds === null || customer.componentIds.includes(id);
  const affected = incident.components.filter((c) => inScope(c.id) && held.some((h) => h.componentId === c.id)).map((c) => c.name);
  const resolution = input.kind === 'resolution';
  const figures = resolution ? (await slaReport(ctx, undefined, customer.id))[0] : undefined;
  const latest = incident.updates.find((u) => u.kind !== 'severity_change');
  return renderCustomerEmail({
    kind: input.kind,
    customerName: customer.name,
    pageName: site.pageName,
    incidentUrl: `${site.publicUrl}/incidents/${incident.id}`,
    title: incident.title,
    startedAt: incident.startedAt,
    resolvedAt: incident.resolvedAt,
    now: ctx.now(),
    affected,
    body: latest?.body ?? '',
    updated: resolution && incident.reopenCount > 0,
    sla:
      figures && figures.availability !== null
        ? { availabilityText: formatUptime(figures.availability), target: figures.plan.target, belowTarget: figures.belowTarget, creditPercent: figures.creditPercent, periodLabel: monthLabel(figures.period.from, figures.period.to) }
        : null,
  });
}
