import { incidents } from '../../../db/schema/index.ts';
import { checkTransition, draftSince, publication, type IncidentStatus } from '../../domain/incident/lifecycle.ts';
import { Conflict, ValidationFailed } from '../../domain/errors.ts';
import { postmortemDue } from '../../domain/incident/cadence.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { loadCadencePolicy, withPolicy } from '../policy.ts';
import { planDeadline } from './deadline.ts';
import { incidentRow, oneIncident, type Incident, type IncidentRow } from './get.ts';
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

/**
 * A draft as it is once published with this update: public from now (its earlier, internal
 * entries stay internal). Refused when it is not a draft, or when its severity is never public.
 */
function published(incident: IncidentRow, now: Date): IncidentRow {
  if (!incident.draft) throw new Conflict('The incident is not a draft: post an update to it', [{ path: 'id', message: 'not a draft' }]);
  const publishedAt = publication(null, incident.severity, incident.customerVisible, now);
  if (!publishedAt)
    throw new ValidationFailed([
      { path: 'severity', message: `a ${incident.severity} incident is not public: raise its severity or make it customer-visible first` },
    ]);
  return { ...incident, draft: false, publishedAt };
}

/**
 * Posts an update to an open incident; resolving releases its components. `publish`: the
 * update publishes a draft, so the public's first words about it are this person's.
 */
export async function postIncidentUpdate(
  outer: ServiceContext,
  actor: Actor,
  id: string,
  input: UpdateInput,
  options: { publish?: boolean } = {},
): Promise<Incident> {
  const { database } = outer;
  return database.exclusive(async () => {
    const ctx = withPolicy(outer);
    // Everything this update decides on is read at once, with the incident.
    const early = readForUpdate(ctx, id, input.components ?? [], input.status === 'resolved');
    const read = await incidentRow(ctx, id);
    checkTransition(read.status, input.status);
    const now = ctx.now();
    const incident = options.publish ? published(read, now) : read;
    const update = await planUpdate(ctx, actor, operatorUpdate(incident, input, 'status', now, input.components ?? []), early);
    const nextUpdateDueAt = await planDeadline(
      ctx,
      {
        ...incident,
        status: input.status,
        lastPublicUpdateAt: incident.publishedAt ? now : null,
        draftSince: draftSince(incident),
        promised: input.nextUpdateAt,
      },
      now,
    );
    const postmortemDueAt = input.status === 'resolved' ? postmortemDue(incident.severity, now, await loadCadencePolicy(ctx)) : incident.postmortemDueAt;
    return database.commitThenRead(
      [
        ...writeVersioned(database, incidents, read, {
          ...(options.publish && { draft: false, publishedAt: incident.publishedAt }),
          status: input.status,
          identifiedAt: input.status === 'identified' ? (incident.identifiedAt ?? now) : incident.identifiedAt,
          monitoringAt: input.status === 'monitoring' ? (incident.monitoringAt ?? now) : incident.monitoringAt,
          resolvedAt: input.status === 'resolved' ? now : null,
          nextUpdateDueAt,
          postmortemDueAt,
          updatedAt: now,
        }),
        ...update,
        auditEntry(database, actor, now, options.publish ? 'incident.publish' : 'incident.update', { type: 'incident', id }, { status: input.status }),
      ],
      oneIncident(ctx, id),
    );
  });
}
