import { and, desc, eq, ne, or, lt, type SQL } from 'drizzle-orm';
import { incidents } from '../../../db/schema/index.ts';
import type { IncidentStatus, Severity } from '../../domain/incident/lifecycle.ts';
import { decodeCursor, encodeCursor, type Page } from '../paging.ts';
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
export async function listIncidents(ctx: ServiceContext, filter: IncidentFilter): Promise<Page<Incident>> {
  const conditions: (SQL | undefined)[] = [
    filter.status ? eq(incidents.status, filter.status) : undefined,
    filter.state === 'open' ? ne(incidents.status, 'resolved') : undefined,
    filter.state === 'resolved' ? eq(incidents.status, 'resolved') : undefined,
    filter.severity ? eq(incidents.severity, filter.severity) : undefined,
  ];
  if (filter.cursor) {
    const c = decodeCursor(filter.cursor);
    conditions.push(or(lt(incidents.declaredAt, c.at), and(eq(incidents.declaredAt, c.at), lt(incidents.id, c.id))));
  }
  const rows = await ctx.database.db
    .select({ id: incidents.id, declaredAt: incidents.declaredAt })
    .from(incidents)
    .where(and(...conditions))
    .orderBy(desc(incidents.declaredAt), desc(incidents.id))
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    data: await loadIncidents(
      ctx,
      page.map((r) => r.id),
    ),
    nextCursor: rows.length > filter.limit && last ? encodeCursor(last.declaredAt, last.id) : null,
  };
}
