import { formatUptime } from '../../domain/availability/uptime.ts';
import { billingPeriod, type SlaAggregate } from '../../domain/availability/sla.ts';
import { minutesUp } from '../../domain/availability/period.ts';
import { ValidationFailed } from '../../domain/errors.ts';
import type { ServiceContext } from '../context.ts';
import { listCustomers } from './customers.ts';
import { listPlans } from './plans.ts';
import { customerFigures, loadRecords, spanOf } from './sla-figures.ts';

/** The period named `YYYY-MM` for a customer (from the anchor day of that month); 422 for a month outside 2000 – next year. */
export function periodOf(month: string | undefined, anchorDay: number | null, now: Date) {
  if (!month) return billingPeriod(now, anchorDay);
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const y = match ? Number(match[1]) : 0;
  const m = match ? Number(match[2]) : 0;
  if (!match || m < 1 || m > 12) throw new ValidationFailed([{ path: 'period', message: 'must be a month as YYYY-MM' }]);
  if (y < 2000 || y > now.getUTCFullYear() + 1)
    throw new ValidationFailed([{ path: 'period', message: `must be a month from 2000-01 to ${now.getUTCFullYear() + 1}-12` }]);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return billingPeriod(new Date(Date.UTC(y, m - 1, Math.min(anchorDay ?? 1, last))), anchorDay);
}

/** The report's shape of a customer's figures. */
export function reportShape(figures: ReturnType<typeof customerFigures>) {
  return {
    period: { from: figures.period.from, to: figures.period.to, measuredUntil: figures.measuredUntil, final: figures.final },
    components: figures.components.map((c) => ({
      id: c.id,
      name: c.name,
      availability: c.availability,
      availabilityText: c.availability === null ? null : formatUptime(c.availability),
      downtimeMinutes: minutesUp(c.downtimeMs),
    })),
    availability: figures.availability,
    availabilityText: figures.availability === null ? null : formatUptime(figures.availability),
    downtimeMinutes: figures.downtimeMinutes,
    belowTarget: figures.belowTarget,
    incidents: figures.incidents.map((i) => ({ id: i.id, title: i.title, downtimeMinutes: i.downtimeMinutes })),
    maintenances: figures.maintenances,
    ladderStep: figures.ladderStep,
    creditPercent: figures.creditPercent,
  };
}

/**
 * Per customer, for a billing period: availability of each component in scope and overall,
 * downtime, the incidents behind it and the maintenance excluded or counted, the ladder step
 * and the credit. For the current period the figures are what is already certain: the time
 * still to come counts as up, so the availability can only fall and the credit only rise.
 */
export async function slaReport(ctx: ServiceContext, month?: string, onlyCustomer?: string, aggregate?: SlaAggregate) {
  const now = ctx.now();
  const [allCustomers, plans] = await Promise.all([listCustomers(ctx), listPlans(ctx)]);
  const customerList = onlyCustomer ? allCustomers.filter((c) => c.id === onlyCustomer) : allCustomers;
  // A month that is none is refused whether or not there are customers to report on.
  if (month) periodOf(month, null, now);
  if (!customerList.length) return [];
  const periods = customerList.map((c) => periodOf(month, c.billingAnchorDay, now));
  const records = await loadRecords(ctx, spanOf(periods));
  return customerList.map((customer, k) => {
    const plan = plans.find((p) => p.id === customer.planId)!;
    return {
      customer: { id: customer.id, name: customer.name },
      plan: { id: plan.id, name: plan.name, target: plan.target },
      ...reportShape(customerFigures(customer, { ...plan, aggregate: aggregate ?? plan.aggregate }, periods[k]!, records, now)),
    };
  });
}
