import { and, desc, eq, inArray, lt, or, type SQL } from 'drizzle-orm';
import { maintenances } from '../../../db/schema/index.ts';
import type { MaintenanceStatus } from '../../domain/maintenance/lifecycle.ts';
import type { ServiceContext } from '../context.ts';
import { decodeCursor, encodeCursor, type Page } from '../paging.ts';
import { loadMaintenances, type Maintenance } from './get.ts';

export interface MaintenanceFilter {
  status?: MaintenanceStatus;
  /** upcoming: scheduled; active: in progress or verifying; past: completed or cancelled. */
  state?: 'upcoming' | 'active' | 'past';
  limit: number;
  cursor?: string;
}

const STATES: Record<NonNullable<MaintenanceFilter['state']>, MaintenanceStatus[]> = {
  upcoming: ['scheduled'],
  active: ['in_progress', 'verifying'],
  past: ['completed', 'cancelled'],
};

/** Maintenances, latest scheduled start first, filtered and paged by cursor. */
export async function listMaintenances(ctx: ServiceContext, filter: MaintenanceFilter): Promise<Page<Maintenance>> {
  const conditions: (SQL | undefined)[] = [
    filter.status ? eq(maintenances.status, filter.status) : undefined,
    filter.state ? inArray(maintenances.status, STATES[filter.state]) : undefined,
  ];
  if (filter.cursor) {
    const c = decodeCursor(filter.cursor);
    conditions.push(or(lt(maintenances.scheduledFor, c.at), and(eq(maintenances.scheduledFor, c.at), lt(maintenances.id, c.id))));
  }
  const rows = await ctx.database.db
    .select({ id: maintenances.id, scheduledFor: maintenances.scheduledFor })
    .from(maintenances)
    .where(and(...conditions))
    .orderBy(desc(maintenances.scheduledFor), desc(maintenances.id))
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    data: await loadMaintenances(
      ctx,
      page.map((r) => r.id),
    ),
    nextCursor: rows.length > filter.limit && last ? encodeCursor(last.scheduledFor, last.id) : null,
  };
}
