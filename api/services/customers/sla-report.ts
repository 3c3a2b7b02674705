import { and, asc, gt, inArray, isNull, lt, or } from 'drizzle-orm';
import { componentStatusIntervals, components, incidents } from '../../../db/schema/index.ts';
import { availability, formatUptime } from '../../domain/availability/uptime.ts';
import { billingPeriod, creditFor, customerAvailability } from '../../domain/availability/sla.ts';
import { ValidationFailed } from '../../domain/errors.ts';
import type { ServiceContext } from '../context.ts';
import { listCustomers } from './customers.ts';
import { listPlans } from './plans.ts';
import { maintenanceWindows } from '../maintenances/windows.ts';

/** The period named `YYYY-MM` for a customer: from the anchor day of that month. */
function periodOf(month: string | undefined, anchorDay: number | null, now: Date) {
  if (!month) return billingPeriod(now, anchorDay);
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const m = match ? Number(match[2]) : 0;
  if (!match || m < 1 || m > 12) throw new ValidationFailed([{ path: 'period', message: 'must be a month as YYYY-MM' }]);
  const last = new Date(Date.UTC(Number(match[1]), m, 0)).getUTCDate();
  return billingPeriod(new Date(Date.UTC(Number(match[1]), m - 1, Math.min(anchorDay ?? 1, last))), anchorDay);
}

/**
 * Per customer, for a billing period (so far, when it is the current one): availability of
 * each component in scope and overall (the worst), downtime, the incidents behind it, and the
 * ladder step and credit owed — all from the recorded status intervals.
 */
export async function slaReport(ctx: ServiceContext, month?: string, onlyCustomer?: string, aggregate: 'worst' | 'mean' = 'worst') {
  const now = ctx.now();
  const { db } = ctx.database;
  const [allCustomers, plans, live] = await Promise.all([listCustomers(ctx), listPlans(ctx), db.select({ id: components.id, name: components.name }).from(components).where(isNull(components.deletedAt))]);
  const customerList = onlyCustomer ? allCustomers.filter((c) => c.id === onlyCustomer) : allCustomers;
  const periods = customerList.map((c) => periodOf(month, c.billingAnchorDay, now));
  const earliest = new Date(Math.min(...periods.map((p) => p.from.getTime()), now.getTime()));
  const latest = new Date(Math.max(...periods.map((p) => p.to.getTime()), now.getTime()));
  const intervals = await db
    .select()
    .from(componentStatusIntervals)
    .where(and(lt(componentStatusIntervals.startedAt, latest), or(isNull(componentStatusIntervals.endedAt), gt(componentStatusIntervals.endedAt, earliest))))
    .orderBy(asc(componentStatusIntervals.startedAt));
  const windows = await maintenanceWindows(ctx, earliest, now);
  const causeIds = [...new Set(intervals.map((i) => i.incidentId).filter((id): id is string => id !== null))];
  const titles = new Map(causeIds.length ? (await db.select({ id: incidents.id, title: incidents.title }).from(incidents).where(inArray(incidents.id, causeIds))).map((r) => [r.id, r.title]) : []);

  return customerList.map((customer, k) => {
    const plan = plans.find((p) => p.id === customer.planId)!;
    const period = periods[k]!;
    const until = new Date(Math.min(period.to.getTime(), now.getTime()));
    const scope = customer.componentIds ? live.filter((c) => customer.componentIds!.includes(c.id)) : live;
    const perComponent = scope.map((c) => {
      const mine = intervals.filter((i) => i.componentId === c.id);
      const maintained = windows.get(c.id);
      const a = availability(mine, period.from, until, plan.weights, maintained);
      // An incident counts when some of its time falls in the period outside maintenance.
      const causes = mine
        .filter((i) => i.incidentId && i.status !== 'operational' && availability([i], period.from, until, plan.weights, maintained).measuredMs > 0)
        .map((i) => i.incidentId!);
      return { id: c.id, name: c.name, availability: a.uptime, downtimeMinutes: Math.round((a.downtimeMs / 60_000) * 10) / 10, causes };
    });
    const overall = customerAvailability(perComponent.map((c) => c.availability), aggregate);
    const credit = overall === null ? { step: null, credit: 0 } : creditFor(overall * 100, plan);
    const worst = perComponent.reduce<(typeof perComponent)[number] | null>((w, c) => (c.availability !== null && (w === null || c.availability < w.availability!) ? c : w), null);
    return {
      customer: { id: customer.id, name: customer.name },
      plan: { id: plan.id, name: plan.name, target: plan.target },
      period: { from: period.from, to: period.to, measuredUntil: until },
      components: perComponent.map(({ causes: _, ...c }) => ({ ...c, availabilityText: c.availability === null ? null : formatUptime(c.availability) })),
      availability: overall,
      availabilityText: overall === null ? null : formatUptime(overall),
      downtimeMinutes: worst?.downtimeMinutes ?? 0,
      belowTarget: overall !== null && overall * 100 < plan.target,
      incidents: [...new Set(perComponent.flatMap((c) => c.causes))].map((id) => ({ id, title: titles.get(id) ?? id })),
      ladderStep: credit.step,
      creditPercent: credit.credit,
    };
  });
}
