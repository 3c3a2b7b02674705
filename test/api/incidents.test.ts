import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditLog } from '../../db/schema/index.ts';
import { createTestApp, MINUTE, type TestApp } from '../helpers/app.ts';
import { intervalsOf as intervalsOfComponent } from '../helpers/db.ts';

let t: TestApp;
let api: string;
let web: string;
beforeEach(async () => {
  t = await createTestApp();
  api = (await t.call('POST', '/components', { body: { name: 'API', position: 1 } })).json.id;
  web = (await t.call('POST', '/components', { body: { name: 'Web', position: 2 } })).json.id;
  t.clock.advance(60 * MINUTE);
});
afterEach(() => t.cleanup());

const intervalsOf = (componentId: string) => intervalsOfComponent(t.database, componentId);
const statusOf = async (componentId: string) => (await t.call('GET', `/components/${componentId}`)).json.status;

describe('declaring an incident', () => {
  test('answers 201 with the incident, its first update and affected components', async () => {
    const res = await t.call('POST', '/incidents', {
      key: t.keys.writer,
      body: {
        title: 'Elevated API errors',
        severity: 'SEV-2',
        body: 'We are investigating elevated 5xx rates.',
        components: [{ id: api, status: 'partial_outage' }],
        started_at: '2026-11-02T10:50:00Z',
        commander: 'alice@example.com',
      },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      id: expect.stringMatching(/^[a-z0-9]{12}$/),
      title: 'Elevated API errors',
      severity: 'SEV-2',
      status: 'investigating',
      impact: 'major',
      impact_override: null,
      started_at: '2026-11-02T10:50:00.000Z',
      declared_at: '2026-11-02T11:00:00.000Z',
      resolved_at: null,
      commander: 'alice@example.com',
      components: [{ id: api, name: 'API', status: 'partial_outage' }],
      updates: [
        {
          kind: 'status',
          status: 'investigating',
          body: 'We are investigating elevated 5xx rates.',
          author: 'responder',
          deliver_notifications: true,
          created_at: '2026-11-02T11:00:00.000Z',
          affected_components: [{ id: api, name: 'API', old_status: 'operational', new_status: 'partial_outage' }],
        },
      ],
    });
    expect(await statusOf(api)).toBe('partial_outage');
    expect(await statusOf(web)).toBe('operational');
    // The timeline records the impact from when it began, not from when it was declared.
    expect(await intervalsOf(api)).toEqual([
      { status: 'operational', startedAt: new Date('2026-11-02T10:00:00Z'), endedAt: new Date('2026-11-02T10:50:00Z') },
      { status: 'partial_outage', startedAt: new Date('2026-11-02T10:50:00Z'), endedAt: null },
    ]);
    const [audit] = await t.database.db.select().from(auditLog).where(eq(auditLog.resourceId, res.json.id));
    expect(audit).toMatchObject({ action: 'incident.declare', actor: 'responder', resourceType: 'incident' });
    expect(audit?.apiKeyId).toEqual(expect.stringMatching(/^[a-z0-9]{12}$/));
    expect((await t.call('GET', `/incidents/${res.json.id}`, { key: t.keys.reader })).json).toEqual(res.json);
  });

  test('a start before the component existed is cut where its timeline begins', async () => {
    await t.call('POST', '/incidents', {
      body: { title: 'x', severity: 'SEV-1', body: 'b', components: [{ id: web, status: 'major_outage' }], started_at: '2026-11-01T00:00:00Z' },
    });
    expect(await intervalsOf(web)).toEqual([
      { status: 'operational', startedAt: new Date('2026-11-02T10:00:00Z'), endedAt: new Date('2026-11-02T10:00:00Z') },
      { status: 'major_outage', startedAt: new Date('2026-11-02T10:00:00Z'), endedAt: null },
    ]);
  });
});

describe('the incident lifecycle', () => {
  test('investigating → identified → monitoring → resolved, each update on the timeline', async () => {
    const { json: inc } = await t.call('POST', '/incidents', {
      body: { title: 'API down', severity: 'SEV-1', body: 'Investigating', components: [{ id: api, status: 'major_outage' }] },
    });
    t.clock.advance(10 * MINUTE);
    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'identified', body: 'Bad deploy' } });
    t.clock.advance(10 * MINUTE);
    const monitoring = await t.call('POST', `/incidents/${inc.id}/updates`, {
      body: { status: 'monitoring', body: 'Rolled back', components: [{ id: api, status: 'degraded_performance' }] },
    });
    expect(monitoring.status).toBe(201);
    expect(await statusOf(api)).toBe('degraded_performance');
    t.clock.advance(10 * MINUTE);
    const resolved = await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'All good', deliver_notifications: false } });
    expect(resolved.json).toMatchObject({
      status: 'resolved',
      identified_at: '2026-11-02T11:10:00.000Z',
      monitoring_at: '2026-11-02T11:20:00.000Z',
      resolved_at: '2026-11-02T11:30:00.000Z',
    });
    expect(resolved.json.updates.map((u: { status: string }) => u.status)).toEqual(['resolved', 'monitoring', 'identified', 'investigating']);
    expect(resolved.json.updates[0]).toMatchObject({
      deliver_notifications: false,
      affected_components: [{ id: api, old_status: 'degraded_performance', new_status: 'operational' }],
    });
    expect(await statusOf(api)).toBe('operational');
    expect((await intervalsOf(api)).map((i) => i.status)).toEqual(['operational', 'major_outage', 'degraded_performance', 'operational']);

    const updates = await t.call('GET', `/incidents/${inc.id}/updates`);
    expect(updates.json.data.map((u: { body: string }) => u.body)).toEqual(['All good', 'Rolled back', 'Bad deploy', 'Investigating']);
  });

  test('going back before resolution is allowed (a fix that did not hold)', async () => {
    const { json: inc } = await t.call('POST', '/incidents', { body: { title: 'x', severity: 'SEV-2', body: 'b', status: 'monitoring' } });
    const back = await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'investigating', body: 'Errors are back' } });
    expect(back.status).toBe(201);
    expect(back.json.status).toBe('investigating');
  });

  test('resolving leaves a component held by another open incident at that incident’s status', async () => {
    const { json: a } = await t.call('POST', '/incidents', {
      body: { title: 'a', severity: 'SEV-1', body: 'b', components: [{ id: api, status: 'major_outage' }] },
    });
    const { json: b } = await t.call('POST', '/incidents', {
      body: { title: 'b', severity: 'SEV-3', customer_visible: true, body: 'b', components: [{ id: api, status: 'degraded_performance' }] },
    });
    expect(await statusOf(api)).toBe('major_outage');
    const resolvedA = await t.call('POST', `/incidents/${a.id}/updates`, { body: { status: 'resolved', body: 'done' } });
    expect(resolvedA.json.updates[0].affected_components).toEqual([{ id: api, name: 'API', old_status: 'major_outage', new_status: 'degraded_performance' }]);
    expect(await statusOf(api)).toBe('degraded_performance');
    await t.call('POST', `/incidents/${b.id}/updates`, { body: { status: 'resolved', body: 'done' } });
    expect(await statusOf(api)).toBe('operational');
  });

  test('resolving returns a component to the status its operator set, not blindly to operational', async () => {
    await t.call('PATCH', `/components/${web}`, { body: { status: 'under_maintenance' } });
    const { json: inc } = await t.call('POST', '/incidents', {
      body: { title: 'x', severity: 'SEV-2', body: 'b', components: [{ id: web, status: 'major_outage' }] },
    });
    expect(await statusOf(web)).toBe('major_outage');
    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'done' } });
    expect(await statusOf(web)).toBe('under_maintenance');
  });

  test('a severity change is recorded on the timeline and re-derives the impact', async () => {
    const { json: inc } = await t.call('POST', '/incidents', { body: { title: 'x', severity: 'SEV-3', body: 'b' } });
    expect(inc.impact).toBe('minor');
    t.clock.advance(5 * MINUTE);
    const res = await t.call('PATCH', `/incidents/${inc.id}`, { key: t.keys.writer, body: { severity: 'SEV-1', title: 'Checkout failing' } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ title: 'Checkout failing', severity: 'SEV-1', impact: 'critical', status: 'investigating' });
    expect(res.json.updates[0]).toMatchObject({
      kind: 'severity_change',
      severity: 'SEV-1',
      body: 'Severity changed from SEV-3 to SEV-1.',
      deliver_notifications: false,
      created_at: '2026-11-02T11:05:00.000Z',
    });
    const overridden = await t.call('PATCH', `/incidents/${inc.id}`, { body: { impact_override: 'minor' } });
    expect(overridden.json).toMatchObject({ impact: 'minor', impact_override: 'minor' });
    expect(overridden.json.updates).toHaveLength(2);
    const cleared = await t.call('PATCH', `/incidents/${inc.id}`, { body: { impact_override: null } });
    expect(cleared.json.impact).toBe('critical');
  });

  test('a resolved incident reopens once within the window, holding its components again', async () => {
    const { json: inc } = await t.call('POST', '/incidents', {
      body: { title: 'x', severity: 'SEV-2', body: 'b', components: [{ id: api, status: 'partial_outage' }] },
    });
    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'done' } });
    t.clock.advance(30 * MINUTE);
    const reopened = await t.call('POST', `/incidents/${inc.id}/reopen`, { body: { status: 'investigating', body: 'It is back' } });
    expect(reopened.status).toBe(201);
    expect(reopened.json).toMatchObject({ id: inc.id, status: 'investigating', resolved_at: null, reopen_count: 1 });
    expect(reopened.json.updates[0]).toMatchObject({
      kind: 'reopen',
      affected_components: [{ id: api, old_status: 'operational', new_status: 'partial_outage' }],
    });
    expect(await statusOf(api)).toBe('partial_outage');

    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'done again' } });
    const again = await t.call('POST', `/incidents/${inc.id}/reopen`, { body: { status: 'investigating', body: 'and again' } });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: 'invalid_transition', errors: [{ path: 'status', message: expect.stringMatching(/already reopened 1 time/) }] });
  });
});

describe('listing incidents', () => {
  test('filters by state, status and severity, pages by cursor, newest first', async () => {
    const ids: string[] = [];
    for (const [i, severity] of (['SEV-1', 'SEV-2', 'SEV-3', 'SEV-2', 'SEV-4'] as const).entries()) {
      t.clock.advance(MINUTE);
      ids.push((await t.call('POST', '/incidents', { body: { title: `#${i}`, severity, body: 'b' } })).json.id);
    }
    await t.call('POST', `/incidents/${ids[1]}/updates`, { body: { status: 'resolved', body: 'done' } });
    const titles = (r: { json: { data: { title: string }[] } }) => r.json.data.map((d) => d.title);

    expect(titles(await t.call('GET', '/incidents'))).toEqual(['#4', '#3', '#2', '#1', '#0']);
    expect(titles(await t.call('GET', '/incidents?state=resolved'))).toEqual(['#1']);
    expect(titles(await t.call('GET', '/incidents?state=open'))).toEqual(['#4', '#3', '#2', '#0']);
    expect(titles(await t.call('GET', '/incidents?severity=SEV-2'))).toEqual(['#3', '#1']);
    expect(titles(await t.call('GET', '/incidents?status=investigating&severity=SEV-2'))).toEqual(['#3']);

    const first = await t.call('GET', '/incidents?limit=2');
    expect(titles(first)).toEqual(['#4', '#3']);
    const second = await t.call('GET', `/incidents?limit=2&cursor=${first.json.next_cursor}`);
    expect(titles(second)).toEqual(['#2', '#1']);
    const third = await t.call('GET', `/incidents?limit=2&cursor=${second.json.next_cursor}`);
    expect(titles(third)).toEqual(['#0']);
    expect(third.json.next_cursor).toBeNull();
  });
});
