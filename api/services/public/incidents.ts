import { and, desc, eq, gte, inArray, isNotNull, ne } from 'drizzle-orm';
import { incidentComponents, incidents } from '../../../db/schema/index.ts';
import { NotFound } from '../../domain/errors.ts';
import type { ServiceContext } from '../context.ts';
import { loadIncidents, type Incident } from '../incidents/get.ts';

// Public once published, and for good: a later severity change cannot take it back.
export const publicIncident = isNotNull(incidents.publishedAt);

/** An incident as the public sees it: only the entries the public saw (no severity changes, no notes from an internal phase). */
function publicView(incident: Incident): Incident {
  return { ...incident, updates: incident.updates.filter((u) => u.public) };
}

async function loadPublic(ctx: ServiceContext, ids: string[]): Promise<Incident[]> {
  return (await loadIncidents(ctx, ids)).map(publicView);
}

/** Open public incidents, most recently declared first. */
export async function openPublicIncidents(ctx: ServiceContext): Promise<Incident[]> {
  const rows = await ctx.database.db
    .select({ id: incidents.id })
    .from(incidents)
    .where(and(publicIncident, ne(incidents.status, 'resolved')))
    .orderBy(desc(incidents.declaredAt));
  return loadPublic(
    ctx,
    rows.map((r) => r.id),
  );
}

/** Public incidents resolved since `since`, most recent first. */
export async function resolvedPublicIncidents(ctx: ServiceContext, since: Date): Promise<Incident[]> {
  const rows = await ctx.database.db
    .select({ id: incidents.id })
    .from(incidents)
    .where(and(publicIncident, eq(incidents.status, 'resolved'), gte(incidents.resolvedAt, since)))
    .orderBy(desc(incidents.resolvedAt));
  return loadPublic(
    ctx,
    rows.map((r) => r.id),
  );
}

/** The most recent public incidents of any status (for feeds and the JSON API). */
export async function recentPublicIncidents(ctx: ServiceContext, limit: number, componentId?: string): Promise<Incident[]> {
  const { db } = ctx.database;
  const touching = componentId
    ? inArray(incidents.id, db.select({ id: incidentComponents.incidentId }).from(incidentComponents).where(eq(incidentComponents.componentId, componentId)))
    : undefined;
  const rows = await db
    .select({ id: incidents.id })
    .from(incidents)
    .where(and(publicIncident, touching))
    .orderBy(desc(incidents.updatedAt), desc(incidents.id))
    .limit(limit);
  return loadPublic(
    ctx,
    rows.map((r) => r.id),
  );
}

/** One public incident, or NotFound (a non-public one is not found either). */
export async function getPublicIncident(ctx: ServiceContext, id: string): Promise<Incident> {
  const row = await ctx.database.db
    .select({ id: incidents.id })
    .from(incidents)
    .where(and(eq(incidents.id, id), publicIncident))
    .get();
  if (!row) throw new NotFound('incident', id);
  const [incident] = await loadPublic(ctx, [id]);
  return incident!;
}
