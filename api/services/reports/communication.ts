import { and, asc, gte, inArray, lt } from 'drizzle-orm';
import { incidentUpdates, incidents } from '../../../db/schema/index.ts';
import { communicationReport } from '../../domain/incident/report.ts';
import { isPublic } from '../../domain/incident/lifecycle.ts';
import { ValidationFailed } from '../../domain/errors.ts';
import type { ServiceContext } from '../context.ts';
import { publicIncident } from '../public/incidents.ts';

/** The communication report over public incidents declared in [from, to). */
export async function communicationReportFor(ctx: ServiceContext, from: Date, to: Date) {
  if (to <= from) throw new ValidationFailed([{ path: 'to', message: 'must be after from' }]);
  const { db } = ctx.database;
  const rows = await db
    .select()
    .from(incidents)
    .where(and(publicIncident, gte(incidents.declaredAt, from), lt(incidents.declaredAt, to)))
    .orderBy(asc(incidents.declaredAt));
  const updates = rows.length
    ? await db.select().from(incidentUpdates).where(inArray(incidentUpdates.incidentId, rows.map((r) => r.id)))
    : [];
  const report = communicationReport(
    rows.map((r) => ({
      ...r,
      // Public updates only: severity changes are internal, and so were updates posted while the incident was not public.
      updates: updates.filter((u) => u.incidentId === r.id && u.kind !== 'severity_change' && isPublic(u.severity, r.customerVisible)),
    })),
    ctx.now(),
  );
  return { from, to, ...report };
}
