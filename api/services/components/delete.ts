import { and, eq, inArray, isNull, ne } from 'drizzle-orm';
import { componentStatusIntervals, components, incidentComponents, incidents, maintenanceComponents, maintenances } from '../../../db/schema/index.ts';
import { Conflict } from '../../domain/errors.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { getComponent } from './list.ts';

/**
 * Deletes a component, unless an open incident or a maintenance not yet over includes it (409). The row stays, marked
 * deleted, so past incidents keep naming it; its timeline ends now.
 */
export async function deleteComponent(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  const { database } = ctx;
  const { db } = database;
  await database.exclusive(async () => {
    await getComponent(ctx, id);
    const open = await db
      .select({ id: incidents.id })
      .from(incidentComponents)
      .innerJoin(incidents, eq(incidents.id, incidentComponents.incidentId))
      .where(and(eq(incidentComponents.componentId, id), ne(incidents.status, 'resolved')));
    if (open.length > 0) {
      const ids = open.map((o) => o.id).join(', ');
      throw new Conflict(`Component ${id} is affected by open incident(s) ${ids}; resolve them first`, [
        { path: 'id', message: `affected by open incident(s) ${ids}` },
      ]);
    }
    const planned = await db
      .select({ id: maintenances.id })
      .from(maintenanceComponents)
      .innerJoin(maintenances, eq(maintenances.id, maintenanceComponents.maintenanceId))
      .where(and(eq(maintenanceComponents.componentId, id), inArray(maintenances.status, ['scheduled', 'in_progress', 'verifying'])));
    if (planned.length > 0) {
      const ids = planned.map((o) => o.id).join(', ');
      throw new Conflict(`Component ${id} is part of maintenance(s) ${ids}; complete, cancel or edit them first`, [
        { path: 'id', message: `part of maintenance(s) ${ids} not yet over` },
      ]);
    }
    const now = ctx.now();
    await database.commit([
      db.update(components).set({ deletedAt: now, updatedAt: now }).where(eq(components.id, id)),
      db
        .update(componentStatusIntervals)
        .set({ endedAt: now })
        .where(and(eq(componentStatusIntervals.componentId, id), isNull(componentStatusIntervals.endedAt))),
      auditEntry(database, actor, now, 'component.delete', { type: 'component', id }),
    ]);
  });
}
