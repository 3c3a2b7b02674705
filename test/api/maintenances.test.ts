import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditLog, outbox } from '../../db/schema/index.ts';
import { createDb } from '../../db/client.ts';
import { silentLogger } from '../../api/log.ts';
import { STATUSPAGE_ENDPOINTS } from '../../api/public/statuspage.ts';
import { MaintenanceClock } from '../../api/workers/maintenance-clock.ts';
import { createTestApp, MINUTE, senderTo, type TestApp } from '../helpers/app.ts';
import { startFakeResend } from '../helpers/fake-resend.ts';
import { intervalsOf as intervalsOfComponent, snapshot } from '../helpers/db.ts';

const HOUR = 60 * MINUTE;
let t: TestApp;
let api: string;
let web: string;
beforeEach(async () => {
  t = await createTestApp();
  api = (await t.call('POST', '/components', { body: { name: 'API', position: 1 } })).json.id;
  web = (await t.call('POST', '/components', { body: { name: 'Web', position: 2 } })).json.id;
  t.clock.advance(HOUR); // 2026-11-02T11:00Z
});
afterEach(() => t.cleanup());

const at = (iso: string) => new Date(iso);
const intervalsOf = (componentId: string) => intervalsOfComponent(t.database, componentId);
const statusOf = async (componentId: string) => (await t.call('GET', `/components/${componentId}`)).json.status;
/** Outbox rows of maintenance emails, as `recipient event-kind`, sorted. */
const mails = async () =>
  (await t.database.db.select().from(outbox).where(eq(outbox.template, 'maintenance'))).map((r) => `${r.recipient} ${r.payload!.kind}`).sort();
const statusJson = async () =>
  (await STATUSPAGE_ENDPOINTS['/api/v2/status.json']!(t.ctx, { name: 'Acme', url: 'https://status.example.com' })) as {
    status: { indicator: string; description: string };
  };
const clock = (ctx = t.ctx) => new MaintenanceClock({ ctx, logger: silentLogger, tickMs: 1000 });

/** Tomorrow 02:00–04:00 UTC on API: announced 15 h ahead, reminded 2 h before. */
const schedule = (over: Record<string, unknown> = {}) =>
  t.call('POST', '/maintenances', {
    key: t.keys.writer,
    body: {
      title: 'Database upgrade',
      body: 'We are upgrading the primary database. Expect brief reconnects.',
      scheduled_for: '2026-11-03T02:00:00Z',
      scheduled_until: '2026-11-03T04:00:00Z',
      component_ids: [api],
      remind_hours_before: 2,
      ...over,
    },
  });

async function subscribe(email: string, componentIds?: string[]) {
  await t.call('POST', '/subscribers', { body: { email, confirmed: true, ...(componentIds && { component_ids: componentIds }) } });
}

describe('scheduling a maintenance', () => {
  test('answers 201 with the maintenance and its first update; components stay as they are', async () => {
    const res = await schedule();
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      id: expect.stringMatching(/^[a-z0-9]{12}$/),
      title: 'Database upgrade',
      status: 'scheduled',
      scheduled_for: '2026-11-03T02:00:00.000Z',
      scheduled_until: '2026-11-03T04:00:00.000Z',
      auto_start: true,
      auto_complete: true,
      notify_on_start: true,
      notify_on_complete: true,
      remind_hours_before: 2,
      started_at: null,
      completed_at: null,
      components: [{ id: api, name: 'API', status: 'operational' }],
      updates: [
        {
          status: 'scheduled',
          body: 'We are upgrading the primary database. Expect brief reconnects.',
          author: 'responder',
          created_at: '2026-11-02T11:00:00.000Z',
          deliver_notifications: true,
          affected_components: [{ id: api, name: 'API', old_status: 'operational', new_status: 'operational' }],
        },
      ],
    });
    expect(await statusOf(api)).toBe('operational');
    const [audit] = await t.database.db.select().from(auditLog).where(eq(auditLog.resourceId, res.json.id));
    expect(audit).toMatchObject({ action: 'maintenance.schedule', actor: 'responder' });
    expect((await t.call('GET', `/maintenances/${res.json.id}`, { key: t.keys.reader })).json).toEqual(res.json);
    expect((await t.call('GET', '/maintenances?state=upcoming', { key: t.keys.reader })).json).toEqual({ data: [res.json], next_cursor: null });
    expect((await t.call('GET', '/maintenances?state=active')).json.data).toEqual([]);
  });

  test('announces it to subscribers of all components and of its components only', async () => {
    await subscribe('all@example.com');
    await subscribe('api@example.com', [api]);
    await subscribe('web@example.com', [web]);
    await t.call('POST', '/subscribers', { body: { email: 'pending@example.com' } }); // unconfirmed
    await schedule();
    expect(await mails()).toEqual(['all@example.com scheduled', 'api@example.com scheduled']);
    await schedule({ title: 'Quiet one', deliver_notifications: false });
    expect(await mails()).toHaveLength(2);
  });

  test.each([
    ['an end before the start', { scheduled_until: '2026-11-03T01:00:00Z' }, [{ path: 'scheduled_until', message: 'must be after scheduled_for' }]],
    ['an end equal to the start', { scheduled_until: '2026-11-03T02:00:00Z' }, [{ path: 'scheduled_until', message: 'must be after scheduled_for' }]],
    [
      'a start in the past',
      { scheduled_for: '2026-11-02T10:59:00Z' },
      [{ path: 'scheduled_for', message: 'must be in the future (now is 2026-11-02T11:00:00.000Z)' }],
    ],
    ['an unknown component', { component_ids: ['nosuchthing'] }, [{ path: 'component_ids[0]', message: 'no component with id nosuchthing' }]],
    ['a reminder of 0 hours', { remind_hours_before: 0 }, [{ path: 'remind_hours_before', message: expect.stringContaining('>=1') }]],
    ['a date that is not one', { scheduled_for: 'tomorrow' }, [{ path: 'scheduled_for', message: expect.any(String) }]],
    ['an unknown field', { window: '2h' }, [{ path: 'window', message: expect.any(String) }]],
  ])('refuses %s with 422 naming the field, writing nothing', async (_, over, errors) => {
    const before = await snapshot(t.database);
    const res = await schedule(over);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json).toMatchObject({ status: 422, code: 'validation_failed', errors });
    expect(await snapshot(t.database)).toEqual(before);
  });

  test('needs a key that may write incidents', async () => {
    const res = await t.call('POST', '/maintenances', { key: t.keys.reader, body: {} });
    expect(res.status).toBe(403);
  });
});

describe('the maintenance clock', () => {
  test('reminds, starts and completes on time — under maintenance in between, each email once', async () => {
    await subscribe('all@example.com');
    const id = (await schedule()).json.id;
    const c = clock();

    t.clock.set(at('2026-11-02T23:59:00Z'));
    await c.tick();
    expect(await mails()).toEqual(['all@example.com scheduled']);

    t.clock.set(at('2026-11-03T00:00:00Z')); // 2 h before
    await c.tick();
    await c.tick();
    expect(await mails()).toEqual(['all@example.com reminder', 'all@example.com scheduled']);

    t.clock.set(at('2026-11-03T02:00:05Z'));
    await c.tick();
    const started = (await t.call('GET', `/maintenances/${id}`)).json;
    expect(started).toMatchObject({ status: 'in_progress', started_at: '2026-11-03T02:00:00.000Z', components: [{ id: api, status: 'under_maintenance' }] });
    expect(started.updates[0]).toMatchObject({
      status: 'in_progress',
      author: 'system',
      display_at: '2026-11-03T02:00:00.000Z',
      created_at: '2026-11-03T02:00:05.000Z',
      affected_components: [{ id: api, old_status: 'operational', new_status: 'under_maintenance' }],
    });
    expect(await statusOf(web)).toBe('operational');
    expect((await t.call('GET', '/maintenances?state=active')).json.data.map((m: { id: string }) => m.id)).toEqual([id]);

    t.clock.set(at('2026-11-03T04:00:00Z'));
    await c.tick();
    await c.tick();
    const done = (await t.call('GET', `/maintenances/${id}`)).json;
    expect(done).toMatchObject({ status: 'completed', completed_at: '2026-11-03T04:00:00.000Z', components: [{ id: api, status: 'operational' }] });
    expect(done.updates.map((u: { status: string }) => u.status)).toEqual(['completed', 'in_progress', 'scheduled']);
    expect(await intervalsOf(api)).toEqual([
      { status: 'operational', startedAt: at('2026-11-02T10:00:00Z'), endedAt: at('2026-11-03T02:00:00Z') },
      { status: 'under_maintenance', startedAt: at('2026-11-03T02:00:00Z'), endedAt: at('2026-11-03T04:00:00Z') },
      { status: 'operational', startedAt: at('2026-11-03T04:00:00Z'), endedAt: null },
    ]);
    expect(await mails()).toEqual(['all@example.com completed', 'all@example.com reminder', 'all@example.com scheduled', 'all@example.com started']);
  });

  test('no reminder when it was announced after the reminder time, none when remind_hours_before is null', async () => {
    await subscribe('all@example.com');
    await schedule({ remind_hours_before: 24 }); // announced 15 h ahead: the announcement is the reminder
    await schedule({ title: 'No reminder', remind_hours_before: null, scheduled_for: '2026-11-05T02:00:00Z', scheduled_until: '2026-11-05T03:00:00Z' });
    t.clock.set(at('2026-11-03T01:00:00Z'));
    await clock().tick();
    t.clock.set(at('2026-11-05T01:00:00Z'));
    await clock().tick();
    expect((await mails()).filter((m) => m.endsWith('reminder'))).toEqual([]);
  });

  test('the notify flags and auto flags are honoured', async () => {
    await subscribe('all@example.com');
    const manual = (await schedule({ auto_start: false, remind_hours_before: null })).json.id;
    const quiet = (
      await schedule({
        title: 'Quiet',
        component_ids: [web],
        notify_on_start: false,
        notify_on_complete: false,
        auto_complete: false,
        remind_hours_before: null,
      })
    ).json.id;
    t.clock.set(at('2026-11-03T05:00:00Z'));
    await clock().tick();
    expect((await t.call('GET', `/maintenances/${manual}`)).json.status).toBe('scheduled');
    expect((await t.call('GET', `/maintenances/${quiet}`)).json).toMatchObject({ status: 'in_progress', started_at: '2026-11-03T02:00:00.000Z' });
    expect(await statusOf(web)).toBe('under_maintenance');
    expect(await mails()).toEqual(['all@example.com scheduled', 'all@example.com scheduled']);
  });

  test('a restart during the window: the new leader takes over once the lease runs out and completes it once', async () => {
    await subscribe('all@example.com');
    const id = (await schedule()).json.id;
    const first = clock();
    t.clock.set(at('2026-11-03T02:00:00Z'));
    await first.tick(); // starts it, then the process dies without handing over its lease

    const restarted = clock();
    t.clock.set(at('2026-11-03T02:00:02Z'));
    await restarted.tick(); // the dead leader's lease (3 ticks) still holds
    t.clock.set(at('2026-11-03T04:00:30Z'));
    await restarted.tick();
    await first.tick(); // the old one, were it back, no longer leads
    const done = (await t.call('GET', `/maintenances/${id}`)).json;
    expect(done).toMatchObject({ status: 'completed', started_at: '2026-11-03T02:00:00.000Z', completed_at: '2026-11-03T04:00:00.000Z' });
    expect(done.updates.map((u: { status: string }) => u.status)).toEqual(['completed', 'in_progress', 'scheduled']);
    expect(await mails()).toEqual(['all@example.com completed', 'all@example.com scheduled', 'all@example.com started']);
  });

  test('down through the whole window: on restart it records both steps at their scheduled times and sends only "completed"', async () => {
    await subscribe('all@example.com');
    const id = (await schedule({ remind_hours_before: null })).json.id;
    t.clock.set(at('2026-11-03T09:00:00Z'));
    await clock().tick();
    const done = (await t.call('GET', `/maintenances/${id}`)).json;
    expect(done).toMatchObject({ status: 'completed', started_at: '2026-11-03T02:00:00.000Z', completed_at: '2026-11-03T04:00:00.000Z' });
    expect(done.updates.map((u: { display_at: string }) => u.display_at)).toEqual([
      '2026-11-03T04:00:00.000Z',
      '2026-11-03T02:00:00.000Z',
      '2026-11-02T11:00:00.000Z',
    ]);
    expect(await intervalsOf(api)).toEqual([
      { status: 'operational', startedAt: at('2026-11-02T10:00:00Z'), endedAt: at('2026-11-03T02:00:00Z') },
      { status: 'under_maintenance', startedAt: at('2026-11-03T02:00:00Z'), endedAt: at('2026-11-03T04:00:00Z') },
      { status: 'operational', startedAt: at('2026-11-03T04:00:00Z'), endedAt: null },
    ]);
    expect(await mails()).toEqual(['all@example.com completed', 'all@example.com scheduled']);
  });

  test('two instances on one database, ticking together: every step and every email happens once', async () => {
    await subscribe('all@example.com');
    const id = (await schedule()).json.id;
    // A second instance: its own connection to the same database file.
    const other = await createDb(t.url);
    try {
      const clocks = [clock(), clock({ database: other, now: t.ctx.now })];
      for (const time of ['2026-11-03T00:00:00Z', '2026-11-03T02:00:00Z', '2026-11-03T03:00:00Z', '2026-11-03T04:00:00Z']) {
        t.clock.set(at(time));
        await Promise.all(clocks.flatMap((c) => [c.tick(), c.tick()]));
      }
      const done = (await t.call('GET', `/maintenances/${id}`)).json;
      expect(done.updates.map((u: { status: string }) => u.status)).toEqual(['completed', 'in_progress', 'scheduled']);
      expect(await mails()).toEqual(['all@example.com completed', 'all@example.com reminder', 'all@example.com scheduled', 'all@example.com started']);
      expect((await intervalsOf(api)).map((i) => i.status)).toEqual(['operational', 'under_maintenance', 'operational']);
    } finally {
      other.close();
    }
  });
});

describe('a maintenance and an incident on one component', () => {
  test('the incident wins the displayed status; the component returns to maintenance, then to operational', async () => {
    await schedule();
    t.clock.set(at('2026-11-03T02:00:00Z'));
    await clock().tick();
    t.clock.set(at('2026-11-03T03:00:00Z'));
    const incident = (
      await t.call('POST', '/incidents', { body: { title: 'Replica lag', severity: 'SEV-2', body: 'b', components: [{ id: api, status: 'major_outage' }] } })
    ).json;
    expect(await statusOf(api)).toBe('major_outage');
    expect((await statusJson()).status.indicator).toBe('critical');

    t.clock.set(at('2026-11-03T03:30:00Z'));
    await t.call('POST', `/incidents/${incident.id}/updates`, { body: { status: 'resolved', body: 'fixed' } });
    expect(await statusOf(api)).toBe('under_maintenance');
    expect((await statusJson()).status).toEqual({ indicator: 'maintenance', description: 'Service Under Maintenance' });

    t.clock.set(at('2026-11-03T04:00:00Z'));
    await clock().tick();
    expect(await statusOf(api)).toBe('operational');
  });

  test('an incident still open when the maintenance completes keeps the component', async () => {
    await schedule();
    t.clock.set(at('2026-11-03T02:00:00Z'));
    await clock().tick();
    t.clock.set(at('2026-11-03T03:00:00Z'));
    await t.call('POST', '/incidents', { body: { title: 'Replica lag', severity: 'SEV-2', body: 'b', components: [{ id: api, status: 'partial_outage' }] } });
    t.clock.set(at('2026-11-03T04:00:00Z'));
    await clock().tick();
    expect(await statusOf(api)).toBe('partial_outage');
    expect((await intervalsOf(api)).map((i) => [i.status, i.startedAt.toISOString().slice(11, 16)])).toEqual([
      ['operational', '10:00'],
      ['under_maintenance', '02:00'],
      ['partial_outage', '03:00'],
    ]);
  });
});

describe('availability and SLA credits', () => {
  test('maintenance time is out of downtime and of the period; an incident inside the window counts only outside it', async () => {
    // The window is announced 16 h ahead: this plan asks for 12 h of notice.
    const plan = (
      await t.call('POST', '/sla-plans', {
        body: { name: 'Premium', target: 99.9, ladder: [{ below: 99.9, credit: 10 }], cap: 100, maintenance_notice_hours: 12 },
      })
    ).json.id;
    await t.call('POST', '/customers', { body: { name: 'Globex', contacts: ['ops@globex.test'], plan_id: plan, component_ids: [api] } });
    await schedule(); // 02:00–04:00 on 3 November
    t.clock.set(at('2026-11-03T02:00:00Z'));
    await clock().tick();
    // A blip wholly inside the window: neither downtime nor a cause.
    t.clock.set(at('2026-11-03T02:10:00Z'));
    const blip = (
      await t.call('POST', '/incidents', { body: { title: 'Blip', severity: 'SEV-2', body: 'b', components: [{ id: api, status: 'major_outage' }] } })
    ).json;
    t.clock.set(at('2026-11-03T02:40:00Z'));
    await t.call('POST', `/incidents/${blip.id}/updates`, { body: { status: 'resolved', body: 'ok' } });
    // An outage 03:00–05:00: its first hour falls inside the maintenance window.
    t.clock.set(at('2026-11-03T03:00:00Z'));
    const incident = (
      await t.call('POST', '/incidents', { body: { title: 'Replica lag', severity: 'SEV-1', body: 'b', components: [{ id: api, status: 'major_outage' }] } })
    ).json;
    t.clock.set(at('2026-11-03T04:00:00Z'));
    await clock().tick();
    t.clock.set(at('2026-11-03T05:00:00Z'));
    await t.call('POST', `/incidents/${incident.id}/updates`, { body: { status: 'resolved', body: 'ok' } });
    t.clock.set(at('2026-12-01T00:00:00Z'));

    const [report] = (await t.call('GET', '/reports/sla?period=2026-11')).json.data;
    // The component exists from 2 November 10:00; November ends 30 days later. Measured:
    // 28 d 14 h = 41 160 min, less the 120 min window; down: 60 min (04:00–05:00).
    expect(report.downtime_minutes).toBe(60);
    expect(report.availability).toBeCloseTo(1 - 60 / (41_160 - 120), 12);
    expect(report.incidents).toEqual([{ id: incident.id, title: 'Replica lag', downtime_minutes: 60 }]);
    expect(report.maintenances).toEqual([{ id: expect.any(String), title: expect.any(String), excluded: true, minutes: 120 }]);

    // The page's uptime bar for that day says the same.
    const { loadStatusPage } = await import('../../api/services/public/status-page.ts');
    const page = await loadStatusPage({ ...t.ctx, now: () => at('2026-11-04T00:00:00Z') });
    const day = page.groups
      .flatMap((g) => g.components)
      .find((c) => c.id === api)!
      .uptime!.days.find((d) => d.date === '2026-11-03')!;
    expect(day.measuredMs).toBe(22 * HOUR);
    expect(day.downtimeMs).toBe(HOUR);
  });
});

describe('operator updates', () => {
  test('start early, verify, complete early: each takes effect when posted', async () => {
    await subscribe('all@example.com');
    const id = (await schedule({ remind_hours_before: null })).json.id;
    t.clock.set(at('2026-11-03T01:30:00Z'));
    const started = await t.call('POST', `/maintenances/${id}/updates`, { key: t.keys.writer, body: { status: 'in_progress', body: 'Starting early.' } });
    expect(started.status).toBe(201);
    expect(started.json).toMatchObject({ status: 'in_progress', started_at: '2026-11-03T01:30:00.000Z', components: [{ status: 'under_maintenance' }] });
    t.clock.set(at('2026-11-03T02:10:00Z'));
    await clock().tick(); // already running: the clock's start does nothing
    await t.call('POST', `/maintenances/${id}/updates`, { body: { status: 'verifying', body: 'Checking replicas.', deliver_notifications: false } });
    expect(await statusOf(api)).toBe('under_maintenance');
    t.clock.set(at('2026-11-03T02:30:00Z'));
    const done = await t.call('POST', `/maintenances/${id}/updates`, { body: { status: 'completed', body: 'All done.' } });
    expect(done.json).toMatchObject({ status: 'completed', completed_at: '2026-11-03T02:30:00.000Z' });
    expect(await statusOf(api)).toBe('operational');
    t.clock.set(at('2026-11-03T04:00:00Z'));
    await clock().tick();
    expect((await t.call('GET', `/maintenances/${id}`)).json.updates).toHaveLength(4);
    expect(await mails()).toEqual(['all@example.com completed', 'all@example.com scheduled', 'all@example.com started']);
  });

  test('a note at the same status emails subscribers each time it asks to', async () => {
    await subscribe('all@example.com');
    const id = (await schedule({ remind_hours_before: null })).json.id;
    await t.call('POST', `/maintenances/${id}/updates`, { body: { status: 'scheduled', body: 'Still on.' } });
    await t.call('POST', `/maintenances/${id}/updates`, { body: { status: 'scheduled', body: 'Still on, really.' } });
    await t.call('POST', `/maintenances/${id}/updates`, { body: { status: 'scheduled', body: 'Internal detail.', deliver_notifications: false } });
    expect(await mails()).toEqual(['all@example.com scheduled', 'all@example.com update', 'all@example.com update']);
  });

  test.each([
    ['scheduled', 'verifying', /cannot move from scheduled to verifying/],
    ['scheduled', 'completed', /cannot move from scheduled to completed/],
    ['in_progress', 'scheduled', /cannot go back to scheduled/],
    ['completed', 'in_progress', /already completed/],
  ])('refuses %s → %s with 409, writing nothing', async (from, to, message) => {
    const id = (await schedule()).json.id;
    if (from !== 'scheduled') await t.call('POST', `/maintenances/${id}/updates`, { body: { status: 'in_progress', body: 'go' } });
    if (from === 'completed') await t.call('POST', `/maintenances/${id}/updates`, { body: { status: 'completed', body: 'done' } });
    const before = await snapshot(t.database);
    const res = await t.call('POST', `/maintenances/${id}/updates`, { body: { status: to, body: 'x' } });
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({ code: 'invalid_transition', errors: [{ path: 'status', message: expect.stringMatching(message) }] });
    expect(await snapshot(t.database)).toEqual(before);
  });

  test('an unknown maintenance is 404', async () => {
    const res = await t.call('POST', '/maintenances/nosuchthing/updates', { body: { status: 'in_progress', body: 'x' } });
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ code: 'not_found', errors: [{ path: 'id', message: 'no maintenance with id nosuchthing' }] });
  });
});

describe('cancelling and editing', () => {
  test('cancelling before it begins: subscribers hear once, the clock leaves it alone', async () => {
    await subscribe('all@example.com');
    const id = (await schedule()).json.id;
    const res = await t.call('POST', `/maintenances/${id}/cancel`, { key: t.keys.writer, body: {} });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      status: 'cancelled',
      cancelled_at: '2026-11-02T11:00:00.000Z',
      updates: [{ status: 'cancelled', body: expect.stringContaining('cancelled') }, {}],
    });
    expect((await t.call('POST', `/maintenances/${id}/cancel`, { body: {} })).status).toBe(409);
    t.clock.set(at('2026-11-03T03:00:00Z'));
    await clock().tick();
    expect(await statusOf(api)).toBe('operational');
    expect(await mails()).toEqual(['all@example.com cancelled', 'all@example.com scheduled']);
  });

  test('work that has begun cannot be cancelled', async () => {
    const id = (await schedule()).json.id;
    await t.call('POST', `/maintenances/${id}/updates`, { body: { status: 'in_progress', body: 'go' } });
    const res = await t.call('POST', `/maintenances/${id}/cancel`, { body: {} });
    expect(res.status).toBe(409);
    expect(res.json.errors).toEqual([{ path: 'status', message: 'Work that has begun cannot be cancelled; complete it instead' }]);
  });

  test('a component in a maintenance not yet over cannot be deleted (409); once it is over, it can', async () => {
    const id = (await schedule()).json.id;
    const refused = await t.call('DELETE', `/components/${api}`);
    expect(refused.status).toBe(409);
    expect(refused.json.errors).toEqual([{ path: 'id', message: `part of maintenance(s) ${id} not yet over` }]);
    await t.call('POST', `/maintenances/${id}/cancel`, { body: { deliver_notifications: false } });
    expect((await t.call('DELETE', `/components/${api}`)).status).toBe(204);
  });

  test('rescheduling moves the clock and earns a new reminder', async () => {
    await subscribe('all@example.com');
    const id = (await schedule()).json.id;
    t.clock.set(at('2026-11-03T00:30:00Z'));
    await clock().tick();
    const moved = await t.call('PATCH', `/maintenances/${id}`, {
      body: { scheduled_for: '2026-11-04T02:00:00Z', scheduled_until: '2026-11-04T05:00:00Z', component_ids: [api, web] },
    });
    expect(moved.status).toBe(200);
    expect(moved.json).toMatchObject({ scheduled_for: '2026-11-04T02:00:00.000Z', reminded_at: null, components: [{ id: api }, { id: web }] });
    t.clock.set(at('2026-11-03T03:00:00Z'));
    await clock().tick();
    expect((await t.call('GET', `/maintenances/${id}`)).json.status).toBe('scheduled');
    t.clock.set(at('2026-11-04T00:00:00Z'));
    await clock().tick();
    t.clock.set(at('2026-11-04T02:00:00Z'));
    await clock().tick();
    expect(await statusOf(web)).toBe('under_maintenance');
    expect(await mails()).toEqual(['all@example.com reminder', 'all@example.com reminder', 'all@example.com scheduled', 'all@example.com started']);
  });

  test('while it runs, the end may move ahead but the start and components may not', async () => {
    const id = (await schedule()).json.id;
    t.clock.set(at('2026-11-03T02:00:00Z'));
    await clock().tick();
    t.clock.set(at('2026-11-03T03:50:00Z'));
    expect((await t.call('PATCH', `/maintenances/${id}`, { body: { scheduled_until: '2026-11-03T05:00:00Z' } })).json.scheduled_until).toBe(
      '2026-11-03T05:00:00.000Z',
    );
    const before = await snapshot(t.database);
    const locked = await t.call('PATCH', `/maintenances/${id}`, { body: { scheduled_for: '2026-11-03T03:00:00Z', component_ids: [web] } });
    expect(locked.status).toBe(409);
    expect(locked.json.errors.map((e: { path: string }) => e.path)).toEqual(['scheduled_for', 'component_ids']);
    const past = await t.call('PATCH', `/maintenances/${id}`, { body: { scheduled_until: '2026-11-03T03:00:00Z' } });
    expect(past.status).toBe(422);
    expect(past.json.errors).toEqual([{ path: 'scheduled_until', message: expect.stringContaining('must be in the future') }]);
    expect(await snapshot(t.database)).toEqual(before);
    t.clock.set(at('2026-11-03T04:30:00Z'));
    await clock().tick();
    expect(await statusOf(api)).toBe('under_maintenance');
  });
});

describe('the emails subscribers receive', () => {
  test('announced, reminder, started, completed: each once, through Resend, with the window and their own links', async () => {
    const resend = await startFakeResend();
    try {
      await subscribe('all@example.com');
      await subscribe('web@example.com', [web]);
      const id = (await schedule()).json.id;
      const sender = senderTo(resend, t);
      for (const time of ['2026-11-03T00:00:00Z', '2026-11-03T02:00:00Z', '2026-11-03T04:00:00Z']) {
        t.clock.set(at(time));
        await clock().tick();
        await sender.drain();
      }
      await sender.drain();
      expect(resend.deliveries.map((d) => `${d.to} ${d.subject}`)).toEqual([
        'all@example.com [Maintenance scheduled] Database upgrade',
        'all@example.com [Maintenance reminder] Database upgrade',
        'all@example.com [Maintenance in progress] Database upgrade',
        'all@example.com [Maintenance completed] Database upgrade',
      ]);
      const [announced, reminder, started, completed] = resend.deliveries;
      expect(announced!.text).toContain('Scheduled 2026-11-03 02:00–04:00 UTC (2 h).');
      expect(announced!.text).toContain('We are upgrading the primary database. Expect brief reconnects.');
      expect(announced!.text).toContain('Affects: API');
      expect(announced!.text).toContain(`Details: https://status.example.com/maintenances/${id}`);
      expect(announced!.headers['List-Unsubscribe']).toMatch(/^<https:\/\/status\.example\.com\/subscriptions\/unsubscribe\?token=/);
      expect(reminder!.text).toContain('We are upgrading the primary database.'); // the reminder repeats the announcement
      expect(started!.text).toContain('Began 2026-11-03 02:00 UTC; planned to end 2026-11-03 04:00 UTC.');
      expect(completed!.text).toContain('Began 2026-11-03 02:00 UTC, completed 2026-11-03 04:00 UTC: took 2 h.');
      expect(completed!.html).toContain(`href="https://status.example.com/maintenances/${id}"`);
    } finally {
      await resend.close();
    }
  });
});
