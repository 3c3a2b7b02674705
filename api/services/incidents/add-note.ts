import { incidents } from '../../../db/schema/index.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { writeVersioned } from '../versioned.ts';
import { incidentRow, oneIncident, type Incident } from './get.ts';
import { planUpdate } from './record-update.ts';
import { INTERNAL } from '../../../db/client.ts';

/**
 * Adds a responders' note to an incident's timeline: internal, never public, no email, and no
 * change to its status, components or next-update deadline.
 */
export async function addNote(ctx: ServiceContext, actor: Actor, id: string, input: { body: string }): Promise<Incident> {
  const { database } = ctx;
  return database.exclusive(async () => {
    const incident = await incidentRow(ctx, id);
    const now = ctx.now();
    const entry = await planUpdate(ctx, actor, {
      incidentId: id,
      kind: 'note',
      status: incident.status,
      severity: incident.severity,
      body: input.body,
      at: now,
      effectiveAt: now,
      author: null,
      deliverNotifications: false,
      published: incident.publishedAt !== null,
      dueAt: incident.nextUpdateDueAt,
      reopenCount: incident.reopenCount,
      components: [],
    });
    return database.commitThenRead(
      [
        // Claims the incident (the timeline's order) without moving its `updated_at`: public pages
        // and feeds show that time, and a note is never public.
        ...writeVersioned(database, incidents, incident, {}),
        ...entry,
        auditEntry(database, actor, now, 'incident.note', { type: 'incident', id }),
      ],
      oneIncident(ctx, id),
      INTERNAL,
    );
  });
}
