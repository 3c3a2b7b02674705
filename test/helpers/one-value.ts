import { desc, eq, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Database } from '../../db/client.ts';
import { rowsInOneValue } from '../../db/one-value.ts';
import { components, incidentUpdateComponents, incidentUpdates } from '../../db/schema/index.ts';
import { SYSTEM_ACTOR } from '../../api/services/context.ts';
import { createComponent } from '../../api/services/components/create.ts';
import { addNote } from '../../api/services/incidents/add-note.ts';
import { declareIncident } from '../../api/services/incidents/declare.ts';
import { postIncidentUpdate } from '../../api/services/incidents/post-update.ts';

/** Bodies JSON must carry as they are: quotes, backslashes, new lines, non-ASCII, and text that looks like JSON. */
const BODIES = ['Plain', 'He said "rollback" \\ then \\"retry\\"', 'Line one\nLine two\r\n\ttabbed', 'Région eu-west-1 — 東京 🚒', '[1, {"a": null}]', ''];

/**
 * Rows read with `rowsInOneValue` equal the same query's rows read as usual — awaited alone and
 * in one batch — for an incident whose updates share their milliseconds (so order falls to the
 * rowid), with notes (not public), nulls, booleans, dates and awkward text.
 */
export async function expectSameRowsAsUsual(database: Database): Promise<void> {
  const at = new Date('2026-11-27T10:00:00.000Z');
  const ctx = { database, now: () => at };
  const api = await createComponent(ctx, SYSTEM_ACTOR, { name: 'API' });
  const web = await createComponent(ctx, SYSTEM_ACTOR, { name: 'Web "front" — ünïcode' });
  const incident = await declareIncident(ctx, SYSTEM_ACTOR, {
    title: 'One value',
    severity: 'SEV-2',
    body: BODIES[1]!,
    components: [{ id: api.id, status: 'major_outage' }],
  });
  for (const [i, body] of BODIES.entries()) {
    if (i % 2) await addNote(ctx, SYSTEM_ACTOR, incident.id, { body: body || 'note' });
    else
      await postIncidentUpdate(ctx, SYSTEM_ACTOR, incident.id, {
        status: i % 4 ? 'identified' : 'monitoring',
        body: body || 'empty body refused',
        components: [{ id: i % 4 ? web.id : api.id, status: i % 4 ? 'degraded_performance' : 'partial_outage' }],
      });
  }
  const { db } = database;
  const updates = () =>
    db.select().from(incidentUpdates).where(eq(incidentUpdates.incidentId, incident.id)).orderBy(desc(incidentUpdates.createdAt), desc(sql`rowid`));
  const affected = () =>
    db
      .select({ updateId: incidentUpdateComponents.updateId, id: components.id, name: components.name, oldStatus: incidentUpdateComponents.oldStatus })
      .from(incidentUpdateComponents)
      .innerJoin(components, eq(components.id, incidentUpdateComponents.componentId))
      .orderBy(desc(components.name), incidentUpdateComponents.updateId);
  const usual = { updates: await updates(), affected: await affected() };
  expect(usual.updates.length).toBeGreaterThan(BODIES.length);
  expect(new Set(usual.updates.map((u) => u.createdAt.getTime())).size).toBe(1);
  expect(usual.updates.some((u) => !u.public) && usual.updates.some((u) => u.public)).toBe(true);
  expect(usual.affected.length).toBeGreaterThan(2);

  const one = { updates: rowsInOneValue(db, updates()), affected: rowsInOneValue(db, affected()) };
  expect(one.updates.rows(await one.updates.statement)).toEqual(usual.updates);
  expect(one.affected.rows(await one.affected.statement)).toEqual(usual.affected);
  const [u, a] = await db.batch([one.updates.statement, one.affected.statement]);
  expect(one.updates.rows(u)).toEqual(usual.updates);
  expect(one.affected.rows(a)).toEqual(usual.affected);
  // No rows: an empty list, not an error.
  const none = rowsInOneValue(db, db.select().from(incidentUpdates).where(eq(incidentUpdates.incidentId, 'none')));
  expect(none.rows(await none.statement)).toEqual([]);
}
