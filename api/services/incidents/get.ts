import { asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { components, incidentComponents, incidentUpdateComponents, incidentUpdates, incidents } from '../../../db/schema/index.ts';
import { impactOf, type Impact } from '../../domain/incident/lifecycle.ts';
import { NotFound } from '../../domain/errors.ts';
import type { ServiceContext } from '../context.ts';
import { loadEvents, type Loaded, type TimelineQueries } from '../timeline.ts';

/** An incident with the components it holds (or last held), at the status it holds each, and its updates (newest first). */
export type Incident = Loaded<typeof incidents.$inferSelect, typeof incidentUpdates.$inferSelect> & { impact: Impact };

function queries(ctx: ServiceContext): TimelineQueries<typeof incidents.$inferSelect, typeof incidentUpdates.$inferSelect> {
  const { db } = ctx.database;
  return {
    rows: (ids) => db.select().from(incidents).where(inArray(incidents.id, ids)),
    components: (ids) =>
      db
        .select({ eventId: incidentComponents.incidentId, id: components.id, name: components.name, status: incidentComponents.status })
        .from(incidentComponents)
        .innerJoin(components, eq(components.id, incidentComponents.componentId))
        .where(inArray(incidentComponents.incidentId, ids))
        .orderBy(asc(components.position), asc(components.name)),
    updates: async (ids) =>
      (await db.select().from(incidentUpdates).where(inArray(incidentUpdates.incidentId, ids)).orderBy(desc(incidentUpdates.createdAt), desc(sql`rowid`))) // rowid: insertion order within one millisecond
        .map((update) => ({ eventId: update.incidentId, update })),
    updateIds: (ids) => db.select({ id: incidentUpdates.id }).from(incidentUpdates).where(inArray(incidentUpdates.incidentId, ids)),
    updateComponents: incidentUpdateComponents,
  };
}

/** Loads incidents with their components and updates, in the order of `ids`. */
export async function loadIncidents(ctx: ServiceContext, ids: string[]): Promise<Incident[]> {
  const loaded = await loadEvents(ctx.database.db, queries(ctx), ids);
  return loaded.map((i) => ({
    ...i,
    impact: impactOf(
      i.severity,
      i.impactOverride,
      i.components.map((c) => c.status),
    ),
  }));
}

/** One incident with its components and updates, or NotFound. */
export async function getIncident(ctx: ServiceContext, id: string): Promise<Incident> {
  const [incident] = await loadIncidents(ctx, [id]);
  if (!incident) throw new NotFound('incident', id);
  return incident;
}
