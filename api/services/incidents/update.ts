import { incidents } from '../../../db/schema/index.ts';
import { checkImpactOverride, checkStaysPublic, draftSince, publication, type Impact, type Severity } from '../../domain/incident/lifecycle.ts';
import { ValidationFailed } from '../../domain/errors.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { withPolicy } from '../policy.ts';
import { lastPublicUpdate, planDeadline } from './deadline.ts';
import { getIncident, oneIncident, type Incident } from './get.ts';
import { customerNotices, planUpdate } from './record-update.ts';
import { writeVersioned } from '../versioned.ts';

export interface IncidentChanges {
  title?: string;
  severity?: Severity;
  impactOverride?: Impact | null;
  customerVisible?: boolean;
  commander?: string | null;
  escalationContact?: string | null;
}

/**
 * Edits an incident's details. A severity change is recorded on its timeline (with the
 * deadline it replaced, so a missed one stays missed); a change that makes the incident public
 * publishes it from now; a published incident stays public (409 on making it internal).
 */
export async function updateIncident(outer: ServiceContext, actor: Actor, id: string, changes: IncidentChanges): Promise<Incident> {
  const { database } = outer;
  return database.exclusive(async () => {
    const ctx = withPolicy(outer);
    const incident = await getIncident(ctx, id);
    const now = ctx.now();
    checkStaysPublic(incident.publishedAt, changes.customerVisible);
    const overrideErrors = checkImpactOverride(
      changes.impactOverride,
      incident.components.map((c) => c.status),
    );
    if (overrideErrors.length) throw new ValidationFailed(overrideErrors);
    const severity = changes.severity ?? incident.severity;
    const customerVisible = changes.customerVisible ?? incident.customerVisible;
    const publishedAt = publication(incident.publishedAt, severity, customerVisible, now, incident.draft);
    const severityChanged = severity !== incident.severity;
    const entry = {
      incidentId: id,
      kind: 'severity_change' as const,
      status: incident.status,
      severity,
      published: publishedAt !== null,
      reopenCount: incident.reopenCount,
      at: now,
    };
    const timeline = severityChanged
      ? await planUpdate(ctx, actor, {
          ...entry,
          body: `Severity changed from ${incident.severity} to ${severity}.`,
          effectiveAt: now,
          author: null,
          deliverNotifications: false,
          dueAt: incident.nextUpdateDueAt,
          components: [],
        })
      : publishedAt && !incident.publishedAt
        ? await customerNotices(ctx, entry) // published by a visibility change: customers owed a notice hear now
        : [];
    // A change of severity or visibility re-plans the deadline at once (an upgrade can make it due now).
    const nextUpdateDueAt = await planDeadline(
      ctx,
      {
        severity,
        status: incident.status,
        publishedAt,
        lastPublicUpdateAt: lastPublicUpdate(incident.updates),
        draftSince: draftSince({ ...incident, severity, customerVisible }),
      },
      now,
    );
    return database.commitThenRead(
      [
        ...writeVersioned(database, incidents, incident, { ...changes, publishedAt, nextUpdateDueAt, updatedAt: now }),
        ...timeline,
        auditEntry(database, actor, now, 'incident.edit', { type: 'incident', id }, changes),
      ],
      oneIncident(ctx, id),
    );
  });
}
