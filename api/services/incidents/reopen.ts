import { incidents } from '../../../db/schema/index.ts';
import { checkReopen, type IncidentStatus } from '../../domain/incident/lifecycle.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { withPolicy } from '../policy.ts';
import { listComponents } from '../components/list.ts';
import { planDeadline } from './deadline.ts';
import { getIncident, oneIncident, type Incident } from './get.ts';
import type { UpdateInput } from './post-update.ts';
import { operatorUpdate, planUpdate } from './record-update.ts';
import { writeVersioned } from '../versioned.ts';

/** As an update, to an open status; components not listed return to what the incident last held them at. */
export type ReopenInput = UpdateInput & { status: Exclude<IncidentStatus, 'resolved'> };

/** Reopens a resolved incident (once, within the window): same id, same history, components held again. */
export async function reopenIncident(outer: ServiceContext, actor: Actor, id: string, input: ReopenInput): Promise<Incident> {
  const { database } = outer;
  return database.exclusive(async () => {
    const ctx = withPolicy(outer);
    const incident = await getIncident(ctx, id);
    const now = ctx.now();
    checkReopen(incident, input.status, now);
    const impacts = input.components ?? [];
    const listed = new Set(impacts.map((c) => c.id));
    const live = new Set((await listComponents(ctx)).map((c) => c.id));
    // A component deleted since the incident resolved cannot be held again.
    const heldBefore = incident.components.filter((c) => !listed.has(c.id) && live.has(c.id)).map((c) => ({ id: c.id, status: c.status }));
    const update = await planUpdate(ctx, actor, operatorUpdate(incident, input, 'reopen', now, [...impacts, ...heldBefore]));
    const nextUpdateDueAt = await planDeadline(
      ctx,
      { ...incident, status: input.status, lastPublicUpdateAt: incident.publishedAt ? now : null, promised: input.nextUpdateAt },
      now,
    );
    return database.commitThenRead(
      [
        ...writeVersioned(database, incidents, incident, {
          status: input.status,
          resolvedAt: null,
          reopenCount: incident.reopenCount + 1,
          nextUpdateDueAt,
          updatedAt: now,
        }),
        ...update,
        auditEntry(database, actor, now, 'incident.reopen', { type: 'incident', id }, { status: input.status }),
      ],
      oneIncident(ctx, id),
    );
  });
}
