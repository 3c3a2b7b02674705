import { and, eq, gt, isNotNull, isNull, lt, or } from 'drizzle-orm';
import { maintenanceComponents, maintenances } from '../../../db/schema/index.ts';
import type { Window } from '../../domain/availability/uptime.ts';
import { maintenanceWindow } from '../../domain/maintenance/lifecycle.ts';
import type { ServiceContext } from '../context.ts';

/**
 * Per component, the time maintenances took it out of service within [from, to): from each
 * one's actual start to its end (or `to` while it runs). Availability leaves it out.
 */
export async function maintenanceWindows(ctx: ServiceContext, from: Date, to: Date): Promise<Map<string, Window[]>> {
  const rows = await ctx.database.db
    .select({ componentId: maintenanceComponents.componentId, startedAt: maintenances.startedAt, completedAt: maintenances.completedAt })
    .from(maintenanceComponents)
    .innerJoin(maintenances, eq(maintenances.id, maintenanceComponents.maintenanceId))
    .where(and(isNotNull(maintenances.startedAt), lt(maintenances.startedAt, to), or(isNull(maintenances.completedAt), gt(maintenances.completedAt, from))));
  const out = new Map<string, Window[]>();
  for (const r of rows) {
    const window = maintenanceWindow(r, to);
    if (window) out.set(r.componentId, [...(out.get(r.componentId) ?? []), window]);
  }
  return out;
}
