import { and, asc, desc, eq, inArray, ne } from 'drizzle-orm';
import { maintenanceComponents, maintenances } from '../../../db/schema/index.ts';
import type { ServiceContext } from '../context.ts';
import { loadMaintenances, type Maintenance } from '../maintenances/get.ts';

async function byStatus(ctx: ServiceContext, statuses: Maintenance['status'][]): Promise<Maintenance[]> {
  const rows = await ctx.database.db
    .select({ id: maintenances.id })
    .from(maintenances)
    .where(inArray(maintenances.status, statuses))
    .orderBy(asc(maintenances.scheduledFor), asc(maintenances.id));
  return loadMaintenances(
    ctx,
    rows.map((r) => r.id),
  );
}

/** Maintenances not yet begun, soonest first. */
export const upcomingMaintenances = (ctx: ServiceContext) => byStatus(ctx, ['scheduled']);

/** Maintenances in progress or being verified, earliest first. */
export const activeMaintenances = (ctx: ServiceContext) => byStatus(ctx, ['in_progress', 'verifying']);

/** The most recently changed maintenances, cancelled ones left out (for the JSON API and feeds). */
export async function recentMaintenances(ctx: ServiceContext, limit: number, componentId?: string): Promise<Maintenance[]> {
  const { db } = ctx.database;
  const touching = componentId
    ? inArray(
        maintenances.id,
        db.select({ id: maintenanceComponents.maintenanceId }).from(maintenanceComponents).where(eq(maintenanceComponents.componentId, componentId)),
      )
    : undefined;
  const rows = await db
    .select({ id: maintenances.id })
    .from(maintenances)
    .where(and(ne(maintenances.status, 'cancelled'), touching))
    .orderBy(desc(maintenances.updatedAt), desc(maintenances.id))
    .limit(limit);
  return loadMaintenances(
    ctx,
    rows.map((r) => r.id),
  );
}
