import { incidents } from '../../../db/schema/index.ts';
import { Conflict } from '../../domain/errors.ts';
import { auditEntry } from '../audit.ts';
import type { Actor, ServiceContext } from '../context.ts';
import { getIncident, type Incident } from './get.ts';
import { writeVersioned } from '../versioned.ts';

/** Saves a resolved incident's postmortem; `publish` shows it on the page and in the JSON. */
export async function savePostmortem(ctx: ServiceContext, actor: Actor, id: string, input: { body: string; publish: boolean }): Promise<Incident> {
  const { database } = ctx;
  await database.exclusive(async () => {
    const incident = await getIncident(ctx, id);
    if (incident.status !== 'resolved') {
      throw new Conflict('A postmortem is written once the incident is resolved', [{ path: 'id', message: `incident is ${incident.status}` }]);
    }
    const now = ctx.now();
    await database.commit([
      ...writeVersioned(database, incidents, incident, {
        postmortemBody: input.body,
        postmortemPublishedAt: input.publish ? (incident.postmortemPublishedAt ?? now) : null,
        updatedAt: now,
      }),
      auditEntry(database, actor, now, input.publish ? 'incident.postmortem.publish' : 'incident.postmortem.save', { type: 'incident', id }),
    ]);
  });
  return getIncident(ctx, id);
}
