import { and, eq, inArray, isNull, ne } from 'drizzle-orm';
import type { Database, Statement } from '../../../db/client.ts';
import { componentStatusIntervals, components, incidentComponents, incidents, maintenanceComponents, maintenances } from '../../../db/schema/index.ts';
import { newId } from '../../../db/ids.ts';
import { effectiveStatus, type ComponentStatus } from '../../domain/component/status.ts';
import { planIntervalChange } from '../../domain/component/timeline.ts';
import { writeVersioned } from '../versioned.ts';
import { componentUpdateFanOut } from '../outbox/fan-out.ts';

export interface StatusChange {
  componentId: string;
  oldStatus: ComponentStatus;
  newStatus: ComponentStatus;
}

export interface StatusPlan {
  /** Every component considered, with its displayed status before and after (possibly equal). */
  changes: StatusChange[];
  statements: Statement[];
}

type CurrentComponent = { id: string; status: ComponentStatus; operatorStatus: ComponentStatus; version: number };

/**
 * What deciding the displayed status of `componentIds` reads: the components, the holdings of
 * open incidents and running maintenances other than the one writing, and the open intervals.
 * A use case may start it early, alongside its other reads (one request to a remote database).
 * One that read the components already, before other rows its decision rests on, passes them
 * (`current`): their versions are what the plan claims, so a commit in between makes it run again.
 */
export function readStatusInputs(
  database: Database,
  componentIds: string[],
  exclude: { incidentId?: string; maintenanceId?: string },
  current?: CurrentComponent[],
) {
  const { db } = database;
  const currentQuery: CurrentComponent[] | PromiseLike<CurrentComponent[]> =
    current ??
    db
      .select({ id: components.id, status: components.status, operatorStatus: components.operatorStatus, version: components.version })
      .from(components)
      .where(inArray(components.id, componentIds));
  const heldQuery = db
    .select({ componentId: incidentComponents.componentId, status: incidentComponents.status })
    .from(incidentComponents)
    .innerJoin(incidents, eq(incidents.id, incidentComponents.incidentId))
    .where(
      and(
        inArray(incidentComponents.componentId, componentIds),
        ne(incidents.status, 'resolved'),
        exclude.incidentId ? ne(incidents.id, exclude.incidentId) : undefined,
      ),
    );
  const maintainedQuery = db
    .select({ componentId: maintenanceComponents.componentId })
    .from(maintenanceComponents)
    .innerJoin(maintenances, eq(maintenances.id, maintenanceComponents.maintenanceId))
    .where(
      and(
        inArray(maintenanceComponents.componentId, componentIds),
        inArray(maintenances.status, ['in_progress', 'verifying']),
        exclude.maintenanceId ? ne(maintenances.id, exclude.maintenanceId) : undefined,
      ),
    );
  const openIntervalsQuery = db
    .select()
    .from(componentStatusIntervals)
    .where(and(inArray(componentStatusIntervals.componentId, componentIds), isNull(componentStatusIntervals.endedAt)));
  // All at once: one request to a remote database.
  return Promise.all([currentQuery, heldQuery, maintainedQuery, openIntervalsQuery]);
}

export type StatusInputs = Awaited<ReturnType<typeof readStatusInputs>>;

/**
 * Recomputes the displayed status of `componentIds` as it will be once this write lands, and
 * plans the component rows and status intervals to match. `pending` says what the write
 * itself changes: one incident's holdings (null when that incident stops holding anything,
 * i.e. it resolves), whether one maintenance holds its components under maintenance, and/or
 * operator-set statuses. Open incidents and in-progress maintenances hold components; the
 * worst holding shows, so an incident's outage outranks a maintenance.
 */
export async function planComponentStatuses(
  database: Database,
  componentIds: string[],
  at: Date,
  pending: {
    incident?: { id: string; holdings: Map<string, ComponentStatus> | null };
    /** A maintenance whose components are exactly `componentIds`, and whether it now holds them. */
    maintenance?: { id: string; holds: boolean };
    operatorStatuses?: Map<string, ComponentStatus>;
    /** What set the operator statuses when no person did (an alert integration: `integration:<id>`). */
    source?: string;
  },
  /** What `readStatusInputs` read for these components and this write, if started earlier. */
  reads?: Promise<StatusInputs>,
): Promise<StatusPlan> {
  if (componentIds.length === 0) return { changes: [], statements: [] };
  const { db } = database;
  const [current, held, maintained, openIntervals] = await (reads ??
    readStatusInputs(database, componentIds, { incidentId: pending.incident?.id, maintenanceId: pending.maintenance?.id }));

  const heldBy = new Map<string, ComponentStatus[]>();
  const hold = (componentId: string, status: ComponentStatus) => heldBy.set(componentId, [...(heldBy.get(componentId) ?? []), status]);
  for (const h of held) hold(h.componentId, h.status);
  for (const m of maintained) hold(m.componentId, 'under_maintenance');
  if (pending.maintenance?.holds) for (const id of componentIds) hold(id, 'under_maintenance');
  const ownHolding = pending.incident?.holdings;
  const statements: Statement[] = [];
  const changes: StatusChange[] = [];

  for (const c of current) {
    const holds = [...(heldBy.get(c.id) ?? [])];
    const own = ownHolding?.get(c.id);
    if (own) holds.push(own);
    const operatorStatus = pending.operatorStatuses?.get(c.id) ?? c.operatorStatus;
    const next = effectiveStatus(holds, operatorStatus);
    changes.push({ componentId: c.id, oldStatus: c.status, newStatus: next });
    // Claimed even when unchanged: what shows was decided from the other holdings read here.
    const changed = next !== c.status || operatorStatus !== c.operatorStatus;
    statements.push(...writeVersioned(database, components, c, changed ? { status: next, operatorStatus, updatedAt: at } : {}));
    const open = openIntervals.find((i) => i.componentId === c.id) ?? null;
    const cut = planIntervalChange(open, next, at);
    if (!cut) continue;
    if (open) {
      statements.push(
        db
          .update(componentStatusIntervals)
          .set({ endedAt: cut.at })
          .where(and(eq(componentStatusIntervals.id, open.id), isNull(componentStatusIntervals.endedAt))),
      );
    }
    const intervalId = newId();
    statements.push(
      db.insert(componentStatusIntervals).values({
        id: intervalId,
        componentId: c.id,
        status: next,
        startedAt: cut.at,
        endedAt: null,
        incidentId: own !== undefined && own === next ? (pending.incident?.id ?? null) : null,
        source: pending.source ?? null,
      }),
    );
    if (next !== c.status)
      statements.push(...componentUpdateFanOut(database, { intervalId, componentId: c.id, oldStatus: c.status, newStatus: next, at: cut.at }));
  }
  return { changes, statements };
}
