import { eq } from 'drizzle-orm';
import { incidents } from '../../../db/schema/index.ts';
import { isPublic, type Impact, type Severity } from '../../domain/incident/lifecycle.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { lastPublicUpdate, planDeadline } from './deadline.ts';
import { getIncident, type Incident } from './get.ts';
import { planUpdate } from './record-update.ts';

export interface IncidentChanges {
  title?: string;
  severity?: Severity;
  impactOverride?: Impact | null;
  customerVisible?: boolean;
  commander?: string | null;
  escalationContact?: string | null;
}

/** Edits an incident's details; a severity change is recorded on its timeline. */
export async function updateIncident(ctx: ServiceContext, actor: Actor, id: string, changes: IncidentChanges): Promise<Incident> {
  const { database } = ctx;
  await database.exclusive(async () => {
    const incident = await getIncident(ctx, id);
    const now = ctx.now();
    const severityChanged = changes.severity !== undefined && changes.severity !== incident.severity;
    const timeline = severityChanged
      ? await planUpdate(ctx, actor, {
          incidentId: id,
          kind: 'severity_change',
          status: incident.status,
          severity: changes.severity!,
          body: `Severity changed from ${incident.severity} to ${changes.severity}.`,
          at: now,
          effectiveAt: now,
          author: null,
          isPublic: isPublic(changes.severity!, changes.customerVisible ?? incident.customerVisible),
          deliverNotifications: false,
          components: [],
        })
      : [];
    // A change of severity or visibility re-plans the deadline at once (an upgrade can make it due now).
    const severity = changes.severity ?? incident.severity;
    const customerVisible = changes.customerVisible ?? incident.customerVisible;
    const nextUpdateDueAt = await planDeadline(ctx, { ...incident, severity, customerVisible, lastPublicUpdateAt: lastPublicUpdate(incident.updates, customerVisible) }, now);
    await database.commit([
      database.db.update(incidents).set({ ...changes, nextUpdateDueAt, updatedAt: now }).where(eq(incidents.id, id)),
      ...timeline,
      auditEntry(database, actor, now, 'incident.edit', { type: 'incident', id }, changes),
    ]);
  });
  return getIncident(ctx, id);
}
