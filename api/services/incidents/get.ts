import { asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { components, incidentComponents, incidentUpdateComponents, incidentUpdates, incidents } from '../../../db/schema/index.ts';
import { impactOf, type Impact } from '../../domain/incident/lifecycle.ts';
import { NotFound } from '../../domain/errors.ts';
import type { ServiceContext } from '../context.ts';
import { runReads, type Reads } from '../../../db/client.ts';
import { eventReads, type Loaded, type TimelineQueries } from '../timeline.ts';

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
    // rowid: insertion order within one millisecond
    updates: (ids) =>
      db.select().from(incidentUpdates).where(inArray(incidentUpdates.incidentId, ids)).orderBy(desc(incidentUpdates.createdAt), desc(sql`rowid`)),
    eventOf: (update) => update.incidentId,
    updateIds: (ids) => db.select({ id: incidentUpdates.id }).from(incidentUpdates).where(inArray(incidentUpdates.incidentId, ids)),
    updateComponents: incidentUpdateComponents,
  };
}

/** The reads that load incidents `ids` with their components and updates, in the order of `ids`. */
function incidentReads(ctx: ServiceContext, ids: string[]): Reads<Incident[]> {
  return eventReads(ctx.database.db, queries(ctx), ids, (i) => ({
    ...i,
    impact: impactOf(
      i.severity,
      i.impactOverride,
      i.components.map((c) => c.status),
    ),
  }));
}

/** The reads that load incident `id`, or NotFound. */
export function oneIncident(ctx: ServiceContext, id: string): Reads<Incident> {
  const reads = incidentReads(ctx, [id]);
  return {
    statements: reads.statements,
    answer(results) {
      const [incident] = reads.answer(results);
      if (!incident) throw new NotFound('incident', id);
      return incident;
    },
  };
}

/** Loads incidents with their components and updates, in the order of `ids`. */
export function loadIncidents(ctx: ServiceContext, ids: string[]): Promise<Incident[]> {
  return runReads(incidentReads(ctx, ids));
}

/** An incident's own row: what a use case decides on when it needs neither its components nor its updates. */
export type IncidentRow = typeof incidents.$inferSelect;

/** An incident's own row, or NotFound. */
export async function incidentRow(ctx: ServiceContext, id: string): Promise<IncidentRow> {
  const row = await ctx.database.db.select().from(incidents).where(eq(incidents.id, id)).get();
  if (!row) throw new NotFound('incident', id);
  return row;
}

/** One incident with its components and updates, or NotFound. */
export function getIncident(ctx: ServiceContext, id: string): Promise<Incident> {
  return runReads(oneIncident(ctx, id));
}
