import { asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { components, maintenanceComponents, maintenanceUpdateComponents, maintenanceUpdates, maintenances } from '../../../db/schema/index.ts';
import { NotFound } from '../../domain/errors.ts';
import type { ServiceContext } from '../context.ts';
import { affectedComponents, type AffectedComponent } from '../affected-components.ts';

type MaintenanceUpdate = typeof maintenanceUpdates.$inferSelect & { affectedComponents: AffectedComponent[] };

export type Maintenance = typeof maintenances.$inferSelect & {
  /** The components it puts under maintenance, with their displayed status now. */
  components: { id: string; name: string; status: (typeof components.$inferSelect)['status'] }[];
  /** Newest first. */
  updates: MaintenanceUpdate[];
};

/** Loads maintenances with their components and updates, in the order of `ids`. */
export async function loadMaintenances(ctx: ServiceContext, ids: string[]): Promise<Maintenance[]> {
  if (ids.length === 0) return [];
  const { db } = ctx.database;
  const [rows, held, updates] = await Promise.all([
    db.select().from(maintenances).where(inArray(maintenances.id, ids)),
    db
      .select({ maintenanceId: maintenanceComponents.maintenanceId, id: components.id, name: components.name, status: components.status })
      .from(maintenanceComponents)
      .innerJoin(components, eq(components.id, maintenanceComponents.componentId))
      .where(inArray(maintenanceComponents.maintenanceId, ids))
      .orderBy(asc(components.position), asc(components.name)),
    db.select().from(maintenanceUpdates).where(inArray(maintenanceUpdates.maintenanceId, ids)).orderBy(desc(maintenanceUpdates.displayAt), desc(sql`rowid`)),
  ]);
  const affected = await affectedComponents(
    db,
    maintenanceUpdateComponents,
    updates.map((u) => u.id),
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    if (!row) return [];
    return [
      {
        ...row,
        components: held.filter((h) => h.maintenanceId === id).map(({ maintenanceId: _, ...c }) => c),
        updates: updates.filter((u) => u.maintenanceId === id).map((u) => ({ ...u, affectedComponents: affected.get(u.id) ?? [] })),
      },
    ];
  });
}

/** One maintenance with its components and updates, or NotFound. */
export async function getMaintenance(ctx: ServiceContext, id: string): Promise<Maintenance> {
  const [maintenance] = await loadMaintenances(ctx, [id]);
  if (!maintenance) throw new NotFound('maintenance', id);
  return maintenance;
}
