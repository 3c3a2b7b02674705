import { desc, eq, inArray, type SQL } from 'drizzle-orm';
import { maintenances } from '../../../db/schema/index.ts';
import type { MaintenanceStatus } from '../../domain/maintenance/lifecycle.ts';
import type { ServiceContext } from '../context.ts';
import type { Page } from '../paging.ts';
import { pageEvents } from '../timeline.ts';
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
export function listMaintenances(ctx: ServiceContext, filter: MaintenanceFilter): Promise<Page<Maintenance>> {
  const { db } = ctx.database;
  const source = {
    id: maintenances.id,
    sort: maintenances.scheduledFor,
    select: (where: SQL | undefined, limit: number) =>
      db
        .select({ id: maintenances.id, at: maintenances.scheduledFor })
        .from(maintenances)
        .where(where)
        .orderBy(desc(maintenances.scheduledFor), desc(maintenances.id))
        .limit(limit),
  };
  const conditions = [
    filter.status ? eq(maintenances.status, filter.status) : undefined,
    filter.state ? inArray(maintenances.status, STATES[filter.state]) : undefined,
  ];
  return pageEvents(source, conditions, filter, (ids) => loadMaintenances(ctx, ids));
}
