import { incidents } from '../../../db/schema/index.ts';
import { checkTransition, type IncidentStatus } from '../../domain/incident/lifecycle.ts';
import { postmortemDue } from '../../domain/incident/cadence.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadCadencePolicy, withPolicy } from '../policy.ts';
import { planDeadline } from './deadline.ts';
import { getIncident, type Incident } from './get.ts';
import { operatorUpdate, planUpdate, readForUpdate, type ComponentImpact } from './record-update.ts';
import { writeVersioned } from '../versioned.ts';

export interface UpdateInput {
  status: IncidentStatus;
  body: string;
  components?: ComponentImpact[];
  deliverNotifications?: boolean;
  author?: string | null;
  /** Promise the next update earlier than the policy requires. */
  nextUpdateAt?: Date | null;
}

/** Posts an update to an open incident; resolving releases its components. */
export async function postIncidentUpdate(outer: ServiceContext, actor: Actor, id: string, input: UpdateInput): Promise<Incident> {
  const { database } = outer;
  await database.exclusive(async () => {
    const ctx = withPolicy(outer);
    // Everything this update decides on is read at once, with the incident.
    const early = readForUpdate(ctx, id, input.components ?? [], input.status === 'resolved');
    const incident = await getIncident(ctx, id);
    checkTransition(incident.status, input.status);
    const now = ctx.now();
    const update = await planUpdate(ctx, actor, operatorUpdate(incident, input, 'status', now, input.components ?? []), early);
    const nextUpdateDueAt = await planDeadline(
      ctx,
      { ...incident, status: input.status, lastPublicUpdateAt: incident.publishedAt ? now : null, promised: input.nextUpdateAt },
      now,
    );
    const postmortemDueAt = input.status === 'resolved' ? postmortemDue(incident.severity, now, await loadCadencePolicy(ctx)) : incident.postmortemDueAt;
    await database.commit([
      ...writeVersioned(database, incidents, incident, {
        status: input.status,
        identifiedAt: input.status === 'identified' ? (incident.identifiedAt ?? now) : incident.identifiedAt,
        monitoringAt: input.status === 'monitoring' ? (incident.monitoringAt ?? now) : incident.monitoringAt,
        resolvedAt: input.status === 'resolved' ? now : null,
        nextUpdateDueAt,
        postmortemDueAt,
        updatedAt: now,
      }),
      ...update,
      auditEntry(database, actor, now, 'incident.update', { type: 'incident', id }, { status: input.status }),
    ]);
  });
  return getIncident(outer, id);
}
