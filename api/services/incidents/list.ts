import { desc, eq, ne, type SQL } from 'drizzle-orm';
import { incidents } from '../../../db/schema/index.ts';
import type { IncidentStatus, Severity } from '../../domain/incident/lifecycle.ts';
import type { Page } from '../paging.ts';
import { pageEvents } from '../timeline.ts';
import type { ServiceContext } from '../context.ts';
import { loadIncidents, type Incident } from './get.ts';

export interface IncidentFilter {
  status?: IncidentStatus;
  state?: 'open' | 'resolved';
  severity?: Severity;
  limit: number;
  cursor?: string;
}

/** Incidents, newest declared first, filtered and paged by cursor. */
export function listIncidents(ctx: ServiceContext, filter: IncidentFilter): Promise<Page<Incident>> {
  const { db } = ctx.database;
  const source = {
    id: incidents.id,
    sort: incidents.declaredAt,
    select: (where: SQL | undefined, limit: number) =>
      db
        .select({ id: incidents.id, at: incidents.declaredAt })
        .from(incidents)
        .where(where)
        .orderBy(desc(incidents.declaredAt), desc(incidents.id))
        .limit(limit),
  };
  const conditions = [
    filter.status ? eq(incidents.status, filter.status) : undefined,
    filter.state === 'open' ? ne(incidents.status, 'resolved') : undefined,
    filter.state === 'resolved' ? eq(incidents.status, 'resolved') : undefined,
    filter.severity ? eq(incidents.severity, filter.severity) : undefined,
  ];
  return pageEvents(source, conditions, filter, (ids) => loadIncidents(ctx, ids));
}
