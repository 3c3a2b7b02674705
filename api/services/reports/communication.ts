import { and, asc, gte, inArray, lt, sql } from 'drizzle-orm';
import { incidentUpdates, incidents, outbox } from '../../../db/schema/index.ts';
import { communicationReport } from '../../domain/incident/report.ts';
import type { Severity } from '../../domain/incident/lifecycle.ts';
import { customerEmailDue, type CadencePolicy } from '../../domain/incident/cadence.ts';
import { loadCadencePolicy } from '../policy.ts';
import { ValidationFailed } from '../../domain/errors.ts';
import type { ServiceContext } from '../context.ts';
import { publicIncident } from '../public/incidents.ts';
import { eventKey } from '../../domain/outbox/events.ts';

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
    ? await db
        .select()
        .from(incidentUpdates)
        .where(
          inArray(
            incidentUpdates.incidentId,
            rows.map((r) => r.id),
          ),
        )
    : [];
  // The first customer notice each incident sent, against the severity's customer-email deadline.
  const notices = rows.length
    ? await db
        .select({ eventKey: outbox.eventKey, sentAt: sql<number | null>`min(${outbox.sentAt})` })
        .from(outbox)
        .where(
          inArray(
            outbox.eventKey,
            rows.map((r) => eventKey({ kind: 'customer_notice', incidentId: r.id })),
          ),
        )
        .groupBy(outbox.eventKey)
    : [];
  const policy = await loadCadencePolicy(ctx);
  const report = communicationReport(
    rows.map((r) => {
      const entries = updates.filter((u) => u.incidentId === r.id);
      const firstPublic = entries.filter((u) => u.public).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())[0];
      return {
        ...r,
        ...customerEmailDeadline(
          r,
          notices.find((n) => n.eventKey === eventKey({ kind: 'customer_notice', incidentId: r.id })),
          policy,
        ),
        entries,
        firstUpdateMinutes: policy.severities[firstPublic?.severity ?? r.severity].firstUpdateMinutes,
      };
    }),
    ctx.now(),
  );
  return { from, to, ...report };
}

function customerEmailDeadline(
  incident: { publishedAt: Date | null; severity: Severity },
  notice: { sentAt: number | null } | undefined,
  policy: CadencePolicy,
) {
  // No notice row: no customer was affected, so nothing was owed.
  const due = notice && incident.publishedAt ? customerEmailDue(incident.severity, incident.publishedAt, policy) : null;
  if (!due) return { customerEmailDueAt: null, customerEmailSentAt: null };
  return { customerEmailDueAt: due, customerEmailSentAt: notice!.sentAt ? new Date(notice!.sentAt) : null };
}
