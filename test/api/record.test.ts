import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { STATUSPAGE_ENDPOINTS } from '../../api/public/statuspage.ts';
import { feedRoutes } from '../../api/public/feeds.ts';
import { loadStatusPage } from '../../api/services/public/status-page.ts';
import { publicHistory } from '../../api/services/public/history.ts';
import { getPublicIncident } from '../../api/services/public/incidents.ts';
import { createTestApp, MINUTE, type TestApp } from '../helpers/app.ts';
import { snapshot } from '../helpers/db.ts';

// Each test reproduces, through the admin API, a way the record could be bent; each now holds.

let t: TestApp;
let api: string;
beforeEach(async () => {
  t = await createTestApp();
  api = (await t.call('POST', '/components', { body: { name: 'API' } })).json.id;
  t.clock.advance(60 * MINUTE); // 2026-11-02T11:00Z
});
afterEach(() => t.cleanup());

const PAGE = { name: 'Acme', url: 'https://status.example.com' };
const json = async (path: string) => (await STATUSPAGE_ENDPOINTS[path]!(t.ctx, PAGE)) as Record<string, any>;
const atom = async () => {
  const route = feedRoutes(t.ctx, PAGE).find((r) => r.key('/history.atom', ''))!;
  return String((await route.render(route.key('/history.atom', '')!)).body);
};
const declare = async (body: Record<string, unknown>) =>
  t.call('POST', '/incidents', { body: { title: 'API errors', severity: 'SEV-1', body: 'Investigating.', ...body } });
const report = async (from = '2026-11-01T00:00:00Z', to = '2026-12-01T00:00:00Z') => (await t.call('GET', `/reports/communication?from=${from}&to=${to}`)).json;

describe('1. a typed date cannot take the page down', () => {
  test('a started_at more than 366 days back is refused, naming the field, nothing written', async () => {
    const before = await snapshot(t.database);
    const res = await declare({ started_at: '0202-11-26T10:00:00Z' });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([{ path: 'started_at', message: 'must be no more than 366 days before now (2026-11-02T11:00:00.000Z)' }]);
    expect(await snapshot(t.database)).toEqual(before);
    expect((await declare({ started_at: '2025-11-01T10:59:59Z' })).status).toBe(422);
    expect((await declare({ started_at: '2025-11-01T11:00:00Z' })).status).toBe(201);
  });

  test('maintenance dates are bounded too', async () => {
    const res = await t.call('POST', '/maintenances', {
      body: { title: 'm', body: 'b', scheduled_for: '2027-12-01T00:00:00Z', scheduled_until: '9999-01-01T00:00:00Z' },
    });
    expect(res.status).toBe(422);
    expect(res.json.errors.map((e: { path: string }) => e.path)).toEqual(['scheduled_for', 'scheduled_until']);
  });

  test('the page is computed over the window it shows, whatever dates the data already holds', async () => {
    const { json: inc } = await declare({ components: [{ id: api, status: 'major_outage' }] });
    // A record written before dates were checked: an impact start in the year 202.
    await t.database.client.execute({ sql: 'UPDATE incidents SET started_at = ? WHERE id = ?', args: [Date.UTC(202, 10, 26), inc.id] });
    const started = performance.now();
    const page = await loadStatusPage(t.ctx);
    const elapsed = performance.now() - started;
    const bars = page.groups[0]!.components[0]!.uptime!.days;
    expect(bars).toHaveLength(90);
    expect(bars.at(-1)!.incidents).toEqual([{ id: inc.id, title: 'API errors' }]);
    expect(bars[0]!.incidents).toEqual([{ id: inc.id, title: 'API errors' }]);
    // Not a timing assertion: a guard that the work stayed per displayed day (the unbounded loop took minutes).
    expect(elapsed).toBeLessThan(10_000);
  });
});

describe('2. what was published stays published', () => {
  test('a resolved SEV-1 downgraded to SEV-4 stays on every public surface; a correction is a public update', async () => {
    const { json: inc } = await declare({});
    t.clock.advance(10 * MINUTE);
    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'Fixed.' } });
    const res = await t.call('PATCH', `/incidents/${inc.id}`, { body: { severity: 'SEV-4' } });
    expect(res.status).toBe(200);
    expect(res.json.published_at).toBe('2026-11-02T11:00:00.000Z');
    expect((await getPublicIncident(t.ctx, inc.id)).id).toBe(inc.id);
    expect((await json('/api/v2/incidents.json')).incidents.map((i: { id: string }) => i.id)).toEqual([inc.id]);
    expect(await atom()).toContain(inc.id);
    expect((await publicHistory(t.ctx, 1)).entries.map((e) => e.id)).toEqual([inc.id]);
    expect((await report()).incidents.map((i: { id: string }) => i.id)).toEqual([inc.id]);
  });

  test('making a published incident internal is refused (409, with the reason), nothing written', async () => {
    const { json: inc } = await declare({ severity: 'SEV-3', customer_visible: true });
    const before = await snapshot(t.database);
    const res = await t.call('PATCH', `/incidents/${inc.id}`, { body: { customer_visible: false } });
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({
      code: 'conflict',
      detail: 'The incident has been public since 2026-11-02T11:00:00.000Z and stays public; post an update that says what was corrected',
      errors: [{ path: 'customer_visible', message: 'a published incident cannot be made internal' }],
    });
    expect(await snapshot(t.database)).toEqual(before);
    expect((await json('/api/v2/incidents.json')).incidents).toHaveLength(1);
  });
});

describe('3. deleting a component archives it', () => {
  test('a past period’s SLA report is byte-identical before and after the delete', async () => {
    t.clock.set(new Date('2026-09-01T00:00:00Z'));
    const db = (await t.call('POST', '/components', { body: { name: 'Database' } })).json.id;
    const plan = (
      await t.call('POST', '/sla-plans', {
        body: {
          name: 'Premium',
          target: 99.9,
          ladder: [
            { below: 99.9, credit: 10 },
            { below: 99, credit: 25 },
          ],
          cap: 100,
        },
      })
    ).json.id;
    await t.call('POST', '/customers', { body: { name: 'Globex', contacts: ['ops@globex.test'], plan_id: plan, component_ids: [db] } });
    t.clock.set(new Date('2026-09-10T12:00:00Z'));
    const { json: inc } = await declare({ components: [{ id: db, status: 'major_outage' }] });
    t.clock.advance(180 * MINUTE);
    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'ok' } });
    t.clock.set(new Date('2026-11-02T12:00:00Z'));
    const before = await t.call('GET', '/reports/sla?period=2026-09');
    expect(before.json.data[0]).toMatchObject({ availability_text: '99.58', credit_percent: 10, incidents: [{ id: inc.id, downtime_minutes: 180 }] });
    expect((await t.call('DELETE', `/components/${db}`)).status).toBe(204);
    const after = await t.call('GET', '/reports/sla?period=2026-09');
    expect(after.text).toBe(before.text);
    expect((await json('/api/v2/components.json')).components.map((c: { id: string }) => c.id)).not.toContain(db);
  });
});

describe('4. a missed deadline stays missed', () => {
  test('a SEV-1 10 min overdue, downgraded to SEV-2: the report keeps the late update; the page and JSON said it was overdue', async () => {
    const { json: inc } = await declare({});
    t.clock.advance(40 * MINUTE); // due at 11:30; now 11:40
    const overdue = (await json('/api/v2/incidents/unresolved.json')).incidents[0].candor;
    expect(overdue).toEqual({ severity: 'SEV-1', next_update_due_at: '2026-11-02T11:30:00.000Z', next_update_overdue: true });
    const patched = await t.call('PATCH', `/incidents/${inc.id}`, { body: { severity: 'SEV-2' } });
    expect(patched.json.next_update_due_at).toBe('2026-11-02T12:00:00.000Z');
    const [record] = (await report()).incidents;
    expect(record).toMatchObject({ updates_late: 1, worst_lateness_minutes: 10 });
    t.clock.advance(10 * MINUTE);
    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'identified', body: 'Found it.' } });
    expect((await report()).incidents[0]).toMatchObject({ updates_on_time: 1, updates_late: 1, worst_lateness_minutes: 10 });
    expect((await json('/api/v2/incidents/unresolved.json')).incidents[0].candor.next_update_overdue).toBe(false);
  });
});

describe('5. internal notes stay internal', () => {
  test('notes from while it was internal never reach the page; its public life starts at publication', async () => {
    const { json: inc } = await declare({ severity: 'SEV-4', body: 'Internal: replica lag on db-3.' });
    t.clock.advance(15 * MINUTE);
    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'identified', body: 'Internal: it is the disk.' } });
    t.clock.advance(15 * MINUTE);
    const published = await t.call('PATCH', `/incidents/${inc.id}`, { body: { severity: 'SEV-2' } });
    expect(published.json).toMatchObject({ published_at: '2026-11-02T11:30:00.000Z', next_update_due_at: '2026-11-02T12:30:00.000Z' });
    expect((await getPublicIncident(t.ctx, inc.id)).updates).toEqual([]);
    t.clock.advance(10 * MINUTE);
    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'identified', body: 'Some requests fail; we know why.' } });
    const seen = await getPublicIncident(t.ctx, inc.id);
    expect(seen.updates.map((u) => u.body)).toEqual(['Some requests fail; we know why.']);
    expect((await json('/api/v2/incidents.json')).incidents[0].incident_updates.map((u: { body: string }) => u.body)).toEqual([
      'Some requests fail; we know why.',
    ]);
    const feed = await atom();
    expect(feed).not.toContain('Internal:');
    expect(feed).toContain('<published>2026-11-02T11:30:00.000Z</published>');
    const [record] = (await report()).incidents;
    expect(record).toMatchObject({ published_at: '2026-11-02T11:30:00.000Z', public_updates: 1, minutes_to_first_public_update: 40 });
  });
});

describe('6. time to first public update counts from the impact start', () => {
  test('declared 3 h after the impact began: 180 min, late against SEV-1’s 20 min', async () => {
    await declare({ started_at: '2026-11-02T08:00:00Z' });
    const [record] = (await report()).incidents;
    expect(record).toMatchObject({ minutes_to_declare: 180, minutes_to_first_public_update: 180, first_public_update_on_time: false });
    expect((await report()).by_severity[0]).toMatchObject({ severity: 'SEV-1', first_updates_late: 1, first_updates_on_time: 0 });
  });
});

describe('7. an outage cannot be laundered into maintenance', () => {
  test('maintenance announced later than the plan’s notice counts as downtime, and the report names it', async () => {
    const plan = async (name: string, notice?: number) =>
      (
        await t.call('POST', '/sla-plans', {
          body: { name, target: 99.9, ladder: [{ below: 99.9, credit: 10 }], cap: 100, ...(notice === undefined ? {} : { maintenance_notice_hours: notice }) },
        })
      ).json.id;
    const strict = await plan('Default notice');
    expect((await t.call('GET', `/sla-plans/${strict}`)).json.maintenance_notice_hours).toBe(48);
    const lax = await plan('No notice needed', 0);
    await t.call('POST', '/customers', { body: { name: 'Strict', contacts: ['s@x.test'], plan_id: strict, component_ids: [api] } });
    await t.call('POST', '/customers', { body: { name: 'Lax', contacts: ['l@x.test'], plan_id: lax, component_ids: [api] } });
    // 11:00 a SEV-1; a maintenance scheduled one second ahead and started by hand; resolved at 12:00, maintenance done at 12:30.
    const { json: inc } = await declare({ components: [{ id: api, status: 'major_outage' }] });
    const m = (
      await t.call('POST', '/maintenances', {
        body: { title: 'Emergency work', body: 'b', scheduled_for: '2026-11-02T11:00:01Z', scheduled_until: '2026-11-02T13:00:00Z', component_ids: [api] },
      })
    ).json;
    t.clock.advance(1000);
    await t.call('POST', `/maintenances/${m.id}/updates`, { body: { status: 'in_progress', body: 'Started.' } });
    t.clock.set(new Date('2026-11-02T12:00:00Z'));
    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'ok' } });
    t.clock.set(new Date('2026-11-02T12:30:00Z'));
    await t.call('POST', `/maintenances/${m.id}/updates`, { body: { status: 'completed', body: 'Done.' } });
    t.clock.set(new Date('2026-12-01T00:00:00Z'));
    const by = Object.fromEntries((await t.call('GET', '/reports/sla?period=2026-11')).json.data.map((r: any) => [r.customer.name, r]));
    // Strict: 60 min of outage and 30 min under unannounced maintenance are all downtime.
    expect(by.Strict).toMatchObject({
      downtime_minutes: 90,
      below_target: true,
      credit_percent: 10,
      maintenances: [{ id: m.id, title: 'Emergency work', excluded: false, minutes: 90 }],
    });
    expect(by.Strict.incidents).toEqual([{ id: inc.id, title: 'API errors', downtime_minutes: 60 }]);
    // Lax (no notice asked): from the scheduled start on, the window is left out; the first second was not in it.
    expect(by.Lax).toMatchObject({ downtime_minutes: 1, maintenances: [{ id: m.id, excluded: true, minutes: 90 }] });
    expect(by.Lax.availability).toBeLessThan(1);
  });
});

describe('8. words about state come from state', () => {
  test('an impact override may raise the stated impact, never lower it below what the components show', async () => {
    const before = await snapshot(t.database);
    const refused = await declare({ impact_override: 'none', components: [{ id: api, status: 'major_outage' }] });
    expect(refused.status).toBe(422);
    expect(refused.json.errors).toEqual([{ path: 'impact_override', message: 'must be at least critical: the affected components show major_outage' }]);
    expect(await snapshot(t.database)).toEqual(before);
    const { json: inc } = await declare({ components: [{ id: api, status: 'major_outage' }] });
    expect((await t.call('PATCH', `/incidents/${inc.id}`, { body: { impact_override: 'minor' } })).status).toBe(422);
    const { json: low } = await declare({ severity: 'SEV-3', customer_visible: true, components: [] });
    const raised = await t.call('PATCH', `/incidents/${low.id}`, { body: { impact_override: 'major' } });
    expect(raised.json.impact).toBe('major');
  });

  test('the clock’s completion says what is still affected instead of “all back to normal”', async () => {
    const m = (
      await t.call('POST', '/maintenances', {
        body: { title: 'Upgrade', body: 'b', scheduled_for: '2026-11-02T12:00:00Z', scheduled_until: '2026-11-02T13:00:00Z', component_ids: [api] },
      })
    ).json;
    const { MaintenanceClock } = await import('../../api/workers/maintenance-clock.ts');
    const { silentLogger } = await import('../../api/log.ts');
    const clock = new MaintenanceClock({ ctx: t.ctx, logger: silentLogger });
    t.clock.set(new Date('2026-11-02T12:00:00Z'));
    await clock.tick();
    await declare({ components: [{ id: api, status: 'major_outage' }] });
    t.clock.set(new Date('2026-11-02T13:00:00Z'));
    await clock.tick();
    const done = (await t.call('GET', `/maintenances/${m.id}`)).json;
    expect(done.status).toBe('completed');
    expect(done.updates[0].body).toBe('The scheduled maintenance is complete. Still affected: API (major outage); see the open incident for updates.');
  });
});

describe('10. plans that contradict themselves are refused', () => {
  test.each([
    ['a step above the target', { target: 99.0, ladder: [{ below: 99.9, credit: 10 }] }, 'ladder[0].below'],
    [
      'steps not strictly descending',
      {
        target: 99.9,
        ladder: [
          { below: 99.9, credit: 10 },
          { below: 99.9, credit: 25 },
        ],
      },
      'ladder[1].below',
    ],
    [
      'a deeper breach earning less',
      {
        target: 99.9,
        ladder: [
          { below: 99.9, credit: 25 },
          { below: 99.0, credit: 10 },
        ],
      },
      'ladder[1].credit',
    ],
    [
      'a credit above the cap',
      {
        target: 99.9,
        ladder: [
          { below: 99.9, credit: 10 },
          { below: 99.0, credit: 60 },
        ],
        cap: 50,
      },
      'ladder[1].credit',
    ],
    ['a notice period that is not whole hours', { target: 99.9, ladder: [], maintenance_notice_hours: 1.5 }, 'maintenance_notice_hours'],
  ])('%s (422 naming %s)', async (_, terms, path) => {
    const before = await snapshot(t.database);
    const res = await t.call('POST', '/sla-plans', { body: { name: 'Bad', cap: 100, ...terms } });
    expect(res.status).toBe(422);
    expect(res.json.errors.map((e: { path: string }) => e.path)).toEqual([path]);
    expect(await snapshot(t.database)).toEqual(before);
  });
});

describe('smaller, same rule', () => {
  test('an internal incident may not move a component’s public status (422), nothing written', async () => {
    const before = await snapshot(t.database);
    const res = await declare({ severity: 'SEV-4', components: [{ id: api, status: 'partial_outage' }] });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([
      { path: 'components[0].status', message: 'an internal incident cannot change what the public page shows; make it public first' },
    ]);
    expect(await snapshot(t.database)).toEqual(before);
  });

  test('raising an incident to a severity that owes customer emails sends the customer notice then', async () => {
    const plan = (await t.call('POST', '/sla-plans', { body: { name: 'P', target: 99.9, ladder: [], cap: 100 } })).json.id;
    await t.call('POST', '/customers', { body: { name: 'Globex', contacts: ['ops@globex.test'], plan_id: plan, component_ids: [api] } });
    const { json: inc } = await declare({ severity: 'SEV-3', customer_visible: true, components: [{ id: api, status: 'degraded_performance' }] });
    const notices = async () =>
      (await t.database.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM outbox WHERE event_key = ${`customer_notice:${inc.id}`}`))[0]!.n;
    expect(await notices()).toBe(0);
    await t.call('PATCH', `/incidents/${inc.id}`, { body: { severity: 'SEV-2' } });
    expect(await notices()).toBe(1);
  });

  test('customers told of an incident hear of its resolution, even after a downgrade to a severity that owes none', async () => {
    const plan = (await t.call('POST', '/sla-plans', { body: { name: 'P', target: 99.9, ladder: [], cap: 100 } })).json.id;
    await t.call('POST', '/customers', { body: { name: 'Globex', contacts: ['ops@globex.test'], plan_id: plan, component_ids: [api] } });
    const { json: inc } = await declare({ components: [{ id: api, status: 'major_outage' }] });
    await t.call('PATCH', `/incidents/${inc.id}`, { body: { severity: 'SEV-3' } });
    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'ok' } });
    const keys = (await t.database.db.all<{ k: string }>(sql`SELECT event_key AS k FROM outbox WHERE recipient = 'ops@globex.test' ORDER BY id`)).map(
      (r) => r.k,
    );
    expect(keys).toEqual([`customer_notice:${inc.id}`, `customer_resolution:${inc.id}:0`]);
  });

  test('overlapping incidents on one component: the downtime is attributed to each, and both are listed', async () => {
    const plan = (await t.call('POST', '/sla-plans', { body: { name: 'P', target: 99.9, ladder: [{ below: 99.9, credit: 10 }], cap: 100 } })).json.id;
    await t.call('POST', '/customers', { body: { name: 'Globex', contacts: ['ops@globex.test'], plan_id: plan, component_ids: [api] } });
    const { json: a } = await declare({ title: 'A', components: [{ id: api, status: 'major_outage' }] });
    t.clock.advance(30 * MINUTE);
    const { json: b } = await declare({ title: 'B', components: [{ id: api, status: 'partial_outage' }] });
    t.clock.advance(30 * MINUTE);
    await t.call('POST', `/incidents/${a.id}/updates`, { body: { status: 'resolved', body: 'ok' } });
    t.clock.advance(30 * MINUTE);
    await t.call('POST', `/incidents/${b.id}/updates`, { body: { status: 'resolved', body: 'ok' } });
    t.clock.set(new Date('2026-12-01T00:00:00Z'));
    const [r] = (await t.call('GET', '/reports/sla?period=2026-11')).json.data;
    // 60 min major, then 30 min partial (× 0.3 = 9): 69 min; B held it through 30 major + 30 partial = 39.
    expect(r.downtime_minutes).toBe(69);
    expect(r.incidents).toEqual([
      { id: a.id, title: 'A', downtime_minutes: 60 },
      { id: b.id, title: 'B', downtime_minutes: 39 },
    ]);
  });

  test('an empty page’s updated_at is now, not 1970', async () => {
    const empty = await createTestApp();
    try {
      const page = (await STATUSPAGE_ENDPOINTS['/api/v2/status.json']!(empty.ctx, PAGE)) as { page: { updated_at: string } };
      expect(page.page.updated_at).toBe(empty.clock.now().toISOString());
    } finally {
      empty.cleanup();
    }
  });
});
