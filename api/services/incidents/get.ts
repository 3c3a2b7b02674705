import { asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { components, incidentComponents, incidentUpdateComponents, incidentUpdates, incidents } from '../../../db/schema/index.ts';
import type { ComponentStatus } from '../../domain/component/status.ts';
import { impactOf, type Impact } from '../../domain/incident/lifecycle.ts';
import { NotFound } from '../../domain/errors.ts';
import { affectedComponents, type AffectedComponent } from '../affected-components.ts';
import type { ServiceContext } from '../context.ts';

type IncidentUpdate = typeof incidentUpdates.$inferSelect & { affectedComponents: AffectedComponent[] };

export type Incident = typeof incidents.$inferSelect & {
  impact: Impact;
  /** Components this incident affects, with the status it holds (or last held) each at. */
  components: { id: string; name: string; status: ComponentStatus }[];
  /** Newest first. */
  updates: IncidentUpdate[];
};

/** Loads incidents with their components and updates, in the order of `ids`. */
export async function loadIncidents(ctx: ServiceContext, ids: string[]): Promise<Incident[]> {
  if (ids.length === 0) return [];
  const { db } = ctx.database;
  const [rows, held, updates] = await Promise.all([
    db.select().from(incidents).where(inArray(incidents.id, ids)),
    db
      .select({
        incidentId: incidentComponents.incidentId,
        id: components.id,
        name: components.name,
        status: incidentComponents.status,
      })
      .from(incidentComponents)
      .innerJoin(components, eq(components.id, incidentComponents.componentId))
      .where(inArray(incidentComponents.incidentId, ids))
      .orderBy(asc(components.position), asc(components.name)),
    db.select().from(incidentUpdates).where(inArray(incidentUpdates.incidentId, ids)).orderBy(desc(incidentUpdates.createdAt), desc(sql`rowid`)), // rowid: insertion order within one millisecond
  ]);
  const affected = await affectedComponents(
    db,
    incidentUpdateComponents,
    updates.map((u) => u.id),
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    if (!row) return [];
    return [
      {
        ...row,
        impact: impactOf(
          row.severity,
          row.impactOverride,
          held.filter((h) => h.incidentId === id).map((h) => h.status),
        ),
        components: held.filter((h) => h.incidentId === id).map(({ incidentId: _, ...c }) => c),
        updates: updates
          .filter((u) => u.incidentId === id)
          .map((u) => ({
            ...u,
            affectedComponents: affected.get(u.id) ?? [],
          })),
      },
    ];
  });
}

/** One incident with its components and updates, or NotFound. */
export async function getIncident(ctx: ServiceContext, id: string): Promise<Incident> {
  const [incident] = await loadIncidents(ctx, [id]);
  if (!incident) throw new NotFound('incident', id);
  return incident;
}
