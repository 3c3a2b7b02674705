import { and, asc, eq, gt, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { componentStatusIntervals, components, incidentComponents, incidents, maintenanceComponents, maintenances } from '../../../db/schema/index.ts';
import { periodFigures, type ComponentRecord, type PeriodFigures } from '../../domain/availability/period.ts';
import { billingPeriod, type SlaTerms } from '../../domain/availability/sla.ts';
import type { ServiceContext } from '../context.ts';
import type { Customer } from './customers.ts';

export interface Period {
  from: Date;
  to: Date;
}

/**
 * Everything recorded about components over [from, to): their status intervals, the
 * maintenances that ran on them, the incidents that held them — archived components
 * included, so deleting a component from the page never changes a past figure.
 */
export async function loadRecords(ctx: ServiceContext, range: Period): Promise<ComponentRecord[]> {
  const { db } = ctx.database;
  const [rows, intervals, works, holds] = await Promise.all([
    db
      .select({ id: components.id, name: components.name, deletedAt: components.deletedAt })
      .from(components)
      .where(and(lt(components.createdAt, range.to), or(isNull(components.deletedAt), gt(components.deletedAt, range.from))))
      .orderBy(asc(components.position), asc(components.name)),
    db
      .select()
      .from(componentStatusIntervals)
      .where(
        and(lt(componentStatusIntervals.startedAt, range.to), or(isNull(componentStatusIntervals.endedAt), gt(componentStatusIntervals.endedAt, range.from))),
      )
      .orderBy(asc(componentStatusIntervals.startedAt)),
    db
      .select({
        componentId: maintenanceComponents.componentId,
        id: maintenances.id,
        title: maintenances.title,
        announcedAt: maintenances.createdAt,
        scheduledFor: maintenances.scheduledFor,
        startedAt: maintenances.startedAt,
        endedAt: maintenances.completedAt,
      })
      .from(maintenanceComponents)
      .innerJoin(maintenances, eq(maintenances.id, maintenanceComponents.maintenanceId))
      .where(
        and(
          isNotNull(maintenances.startedAt),
          lt(maintenances.startedAt, range.to),
          or(isNull(maintenances.completedAt), gt(maintenances.completedAt, range.from)),
        ),
      ),
    // Each incident holds a component from the impact start (when it was declared with it) or
    // from the update that first named it, until it resolved.
    db
      .select({
        componentId: incidentComponents.componentId,
        incidentId: incidents.id,
        title: incidents.title,
        startedAt: incidents.startedAt,
        declaredAt: incidents.declaredAt,
        resolvedAt: incidents.resolvedAt,
        firstNamed: sql<
          number | null
        >`(SELECT min(u.created_at) FROM incident_updates u JOIN incident_update_components uc ON uc.update_id = u.id WHERE u.incident_id = ${incidentComponents.incidentId} AND uc.component_id = ${incidentComponents.componentId})`,
      })
      .from(incidentComponents)
      .innerJoin(incidents, eq(incidents.id, incidentComponents.incidentId))
      .where(and(lt(incidents.startedAt, range.to), or(isNull(incidents.resolvedAt), gt(incidents.resolvedAt, range.from)))),
  ]);
  const ids = new Set(rows.map((r) => r.id));
  const byComponent = <T extends { componentId: string }>(list: T[]) => {
    const out = new Map<string, T[]>();
    for (const x of list) if (ids.has(x.componentId)) out.set(x.componentId, [...(out.get(x.componentId) ?? []), x]);
    return out;
  };
  const intervalsOf = byComponent(intervals);
  const worksOf = byComponent(works);
  const holdsOf = byComponent(holds);
  return rows.map((c) => ({
    id: c.id,
    name: c.name,
    archivedAt: c.deletedAt,
    intervals: intervalsOf.get(c.id) ?? [],
    maintenances: (worksOf.get(c.id) ?? []).map((m) => ({
      id: m.id,
      title: m.title,
      announcedAt: m.announcedAt,
      scheduledFor: m.scheduledFor,
      startedAt: m.startedAt!,
      endedAt: m.endedAt,
    })),
    holds: (holdsOf.get(c.id) ?? []).map((h) => ({
      incidentId: h.incidentId,
      title: h.title,
      from: h.firstNamed === null || h.firstNamed <= h.declaredAt.getTime() ? h.startedAt : new Date(h.firstNamed),
      to: h.resolvedAt,
    })),
  }));
}

/** The components of `records` in a customer's scope. */
function inScope(customer: Pick<Customer, 'componentIds'>, records: ComponentRecord[]): ComponentRecord[] {
  return customer.componentIds ? records.filter((r) => customer.componentIds!.includes(r.id)) : records;
}

/** A customer's figures for one billing period: the one computation behind the report, the resolution email and the statement. */
export function customerFigures(
  customer: Pick<Customer, 'componentIds'>,
  terms: SlaTerms,
  period: Period,
  records: ComponentRecord[],
  now: Date,
): PeriodFigures {
  return periodFigures({ terms, period, now, components: inScope(customer, records) });
}

/** The billing periods of a customer that [from, to) touches, oldest first. */
export function periodsTouched(anchorDay: number | null, from: Date, to: Date): Period[] {
  const out: Period[] = [];
  let p = billingPeriod(from, anchorDay);
  while (p.from < to || out.length === 0) {
    out.push(p);
    if (p.to >= to) break;
    p = billingPeriod(p.to, anchorDay);
  }
  return out;
}

/** The recorded span a set of periods covers. */
export function spanOf(periods: Period[]): Period {
  return { from: new Date(Math.min(...periods.map((p) => p.from.getTime()))), to: new Date(Math.max(...periods.map((p) => p.to.getTime()))) };
}
