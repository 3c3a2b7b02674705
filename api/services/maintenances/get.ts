import { asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { components, maintenanceComponents, maintenanceUpdateComponents, maintenanceUpdates, maintenances } from '../../../db/schema/index.ts';
import { NotFound } from '../../domain/errors.ts';
import type { ServiceContext } from '../context.ts';
import { loadEvents, type Loaded, type TimelineQueries } from '../timeline.ts';

/** A maintenance with the components it puts under maintenance (at their displayed status now) and its updates (newest first). */
export type Maintenance = Loaded<typeof maintenances.$inferSelect, typeof maintenanceUpdates.$inferSelect>;

function queries(ctx: ServiceContext): TimelineQueries<typeof maintenances.$inferSelect, typeof maintenanceUpdates.$inferSelect> {
  const { db } = ctx.database;
  return {
    rows: (ids) => db.select().from(maintenances).where(inArray(maintenances.id, ids)),
    components: (ids) =>
      db
        .select({ eventId: maintenanceComponents.maintenanceId, id: components.id, name: components.name, status: components.status })
        .from(maintenanceComponents)
        .innerJoin(components, eq(components.id, maintenanceComponents.componentId))
        .where(inArray(maintenanceComponents.maintenanceId, ids))
        .orderBy(asc(components.position), asc(components.name)),
    updates: (ids) =>
      db.select().from(maintenanceUpdates).where(inArray(maintenanceUpdates.maintenanceId, ids)).orderBy(desc(maintenanceUpdates.displayAt), desc(sql`rowid`)),
    eventOf: (update) => update.maintenanceId,
    updateIds: (ids) => db.select({ id: maintenanceUpdates.id }).from(maintenanceUpdates).where(inArray(maintenanceUpdates.maintenanceId, ids)),
    updateComponents: maintenanceUpdateComponents,
  };
}

/** Loads maintenances with their components and updates, in the order of `ids`. */
export function loadMaintenances(ctx: ServiceContext, ids: string[]): Promise<Maintenance[]> {
  return loadEvents(ctx.database.db, queries(ctx), ids);
}

/** One maintenance with its components and updates, or NotFound. */
export async function getMaintenance(ctx: ServiceContext, id: string): Promise<Maintenance> {
  const [maintenance] = await loadMaintenances(ctx, [id]);
  if (!maintenance) throw new NotFound('maintenance', id);
  return maintenance;
}
