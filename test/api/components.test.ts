import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { asc, eq, sql } from 'drizzle-orm';
import { auditLog, componentStatusIntervals } from '../../db/schema/index.ts';
import { createTestApp, MINUTE, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.cleanup());

describe('component groups', () => {
  test('create, list, get, update, delete; deleting a group ungroups its components', async () => {
    const created = await t.call('POST', '/component-groups', { body: { name: 'Platform', position: 2 } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'Platform', position: 2, description: null, components: [] });
    const id = created.json.id as string;

    const api = await t.call('POST', '/components', { body: { name: 'API', group_id: id } });
    expect(api.status).toBe(201);

    expect((await t.call('GET', `/component-groups/${id}`)).json.components).toEqual([api.json.id]);
    const list = await t.call('GET', '/component-groups', { key: t.keys.reader });
    expect(list.json).toEqual({ data: [expect.objectContaining({ id, components: [api.json.id] })], next_cursor: null });

    const patched = await t.call('PATCH', `/component-groups/${id}`, { body: { name: 'Core platform' } });
    expect(patched.json).toMatchObject({ id, name: 'Core platform', position: 2 });

    expect((await t.call('DELETE', `/component-groups/${id}`)).status).toBe(204);
    expect((await t.call('GET', `/component-groups/${id}`)).status).toBe(404);
    expect((await t.call('GET', `/components/${api.json.id}`)).json.group_id).toBeNull();
  });
});

describe('components', () => {
  test('create with defaults, then list, get, update and delete', async () => {
    const created = await t.call('POST', '/components', { body: { name: 'Search', description: 'Full-text search' } });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: expect.stringMatching(/^[a-z0-9]{12}$/),
      name: 'Search',
      description: 'Full-text search',
      group_id: null,
      position: 0,
      showcase: true,
      only_show_if_degraded: false,
      status: 'operational',
      operator_status: 'operational',
      start_date: '2026-11-02',
      created_at: '2026-11-02T10:00:00.000Z',
      updated_at: '2026-11-02T10:00:00.000Z',
    });
    const id = created.json.id as string;
    expect((await t.call('GET', '/components')).json.data.map((c: { id: string }) => c.id)).toEqual([id]);

    t.clock.advance(5 * MINUTE);
    const patched = await t.call('PATCH', `/components/${id}`, { body: { status: 'degraded_performance', showcase: false } });
    expect(patched.json).toMatchObject({ status: 'degraded_performance', operator_status: 'degraded_performance', showcase: false });

    expect((await t.call('DELETE', `/components/${id}`)).status).toBe(204);
    expect((await t.call('GET', `/components/${id}`)).status).toBe(404);
    expect((await t.call('GET', '/components')).json.data).toEqual([]);
  });

  test('an operator status change is written to the timeline and the audit log', async () => {
    const { json: c } = await t.call('POST', '/components', { body: { name: 'API' } });
    t.clock.advance(10 * MINUTE);
    await t.call('PATCH', `/components/${c.id}`, { body: { status: 'partial_outage' } });
    t.clock.advance(20 * MINUTE);
    await t.call('PATCH', `/components/${c.id}`, { body: { status: 'operational' } });

    const intervals = await t.database.db
      .select({ status: componentStatusIntervals.status, startedAt: componentStatusIntervals.startedAt, endedAt: componentStatusIntervals.endedAt })
      .from(componentStatusIntervals)
      .where(eq(componentStatusIntervals.componentId, c.id))
      .orderBy(asc(componentStatusIntervals.startedAt), asc(sql`rowid`));
    expect(intervals).toEqual([
      { status: 'operational', startedAt: new Date('2026-11-02T10:00:00Z'), endedAt: new Date('2026-11-02T10:10:00Z') },
      { status: 'partial_outage', startedAt: new Date('2026-11-02T10:10:00Z'), endedAt: new Date('2026-11-02T10:30:00Z') },
      { status: 'operational', startedAt: new Date('2026-11-02T10:30:00Z'), endedAt: null },
    ]);
    const audit = await t.database.db.select().from(auditLog).where(eq(auditLog.resourceId, c.id)).orderBy(asc(auditLog.at));
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['component.create', 'admin'],
      ['component.update', 'admin'],
      ['component.update', 'admin'],
    ]);
  });

  test('a component in an open incident cannot be deleted (409); once resolved it can', async () => {
    const { json: c } = await t.call('POST', '/components', { body: { name: 'API' } });
    const { json: incident } = await t.call('POST', '/incidents', {
      body: { title: 'API down', severity: 'SEV-1', body: 'Investigating', components: [{ id: c.id, status: 'major_outage' }] },
    });
    const refused = await t.call('DELETE', `/components/${c.id}`);
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({
      code: 'conflict',
      detail: `Component ${c.id} is affected by open incident(s) ${incident.id}; resolve them first`,
      errors: [{ path: 'id', message: `affected by open incident(s) ${incident.id}` }],
    });
    await t.call('POST', `/incidents/${incident.id}/updates`, { body: { status: 'resolved', body: 'Fixed' } });
    expect((await t.call('DELETE', `/components/${c.id}`)).status).toBe(204);
    // The resolved incident still names the deleted component.
    expect((await t.call('GET', `/incidents/${incident.id}`)).json.components).toEqual([{ id: c.id, name: 'API', status: 'major_outage' }]);
  });
});
