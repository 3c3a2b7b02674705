import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DEMO_PLANS } from '../../api/domain/availability/sla.ts';
import { createTestApp, MINUTE, type TestApp } from '../helpers/app.ts';
import { snapshot } from '../helpers/db.ts';

let t: TestApp;
let api: string;
let web: string;
let plans: Record<string, string>;
beforeEach(async () => {
  t = await createTestApp();
  t.clock.set(new Date('2026-03-01T00:00:00Z'));
  api = (await t.call('POST', '/components', { body: { name: 'API' } })).json.id;
  web = (await t.call('POST', '/components', { body: { name: 'Web' } })).json.id;
  plans = {};
  for (const p of DEMO_PLANS)
    plans[p.name] = (await t.call('POST', '/sla-plans', { body: { name: p.name, target: p.target, ladder: p.ladder, cap: p.cap } })).json.id;
});
afterEach(() => t.cleanup());

describe('SLA plans', () => {
  test('created with default weights; invalid terms refused, naming the field, nothing written', async () => {
    const { json } = await t.call('GET', `/sla-plans/${plans.Premium}`);
    expect(json).toMatchObject({
      name: 'Premium',
      target: 99.9,
      cap: 100,
      weights: { operational: 0, degraded_performance: 0, partial_outage: 0.3, major_outage: 1 },
    });
    const before = await snapshot(t.database);
    const bad = await t.call('POST', '/sla-plans', {
      body: {
        name: 'Bad',
        target: 120,
        ladder: [
          { below: 99, credit: 10 },
          { below: 99.5, credit: 150 },
        ],
        cap: -1,
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.errors.map((e: { path: string }) => e.path)).toEqual(['target', 'cap', 'ladder[1].credit', 'ladder[1].below']);
    expect(await snapshot(t.database)).toEqual(before);
  });

  test('a plan in use cannot be deleted (409)', async () => {
    await t.call('POST', '/customers', { body: { name: 'Acme', contacts: ['ops@acme.test'], plan_id: plans.Premium } });
    expect((await t.call('DELETE', `/sla-plans/${plans.Premium}`)).status).toBe(409);
    expect((await t.call('DELETE', `/sla-plans/${plans.Standard}`)).status).toBe(204);
  });
});

describe('customers', () => {
  test('create, scope, import; unknown plan and component named', async () => {
    const created = await t.call('POST', '/customers', { body: { name: 'Acme', contacts: ['Ops@Acme.test'], plan_id: plans.Premium, component_ids: [api] } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'Acme', contacts: ['ops@acme.test'], plan_id: plans.Premium, component_ids: [api], billing_anchor_day: null });
    const bad = await t.call('POST', '/customers/import', {
      body: [
        { name: 'A', contacts: ['a@a.test'], plan_id: plans.Standard },
        { name: 'B', contacts: ['b@b.test'], plan_id: 'noplan000000', component_ids: ['nocomponent0'] },
      ],
    });
    expect(bad.status).toBe(422);
    expect(bad.json.errors).toEqual([
      { path: '[1].plan_id', message: 'no SLA plan with id noplan000000' },
      { path: '[1].component_ids[0]', message: 'no component with id nocomponent0' },
    ]);
    expect((await t.call('GET', '/customers')).json.data).toHaveLength(1);
    const ok = await t.call('POST', '/customers/import', { body: [{ name: 'A', contacts: ['a@a.test'], plan_id: plans.Standard, billing_anchor_day: 15 }] });
    expect(ok.json).toEqual({ imported: 1 });
    const csv = `name,contacts,plan_id,component_ids,billing_anchor_day\r\n"Initech, Inc.",it@initech.test;cto@initech.test,${plans.Premium},${api};${web},5\r\n`;
    const fromCsv = await t.call('POST', '/customers/import', { body: csv, headers: { 'content-type': 'text/csv' } });
    expect(fromCsv.json).toEqual({ imported: 1 });
    const initech = (await t.call('GET', '/customers')).json.data.find((c: { name: string }) => c.name === 'Initech, Inc.');
    expect(initech).toMatchObject({ contacts: ['it@initech.test', 'cto@initech.test'], component_ids: [api, web], billing_anchor_day: 5 });
  });
});

describe('SLA report', () => {
  test('a month that is none is refused with no customers to report on too', async () => {
    const bad = await t.call('GET', '/reports/sla?period=2026-13');
    expect(bad.status).toBe(422);
    expect(bad.json.errors).toEqual([{ path: 'period', message: 'must be a month as YYYY-MM' }]);
    expect((await t.call('GET', '/reports/sla?period=2026-03')).json).toEqual({ data: [] });
  });

  test('availability, downtime, incidents and credit per customer, from the timeline', async () => {
    const premium = (
      await t.call('POST', '/customers', { body: { name: 'Premium on API', contacts: ['p@x.test'], plan_id: plans.Premium, component_ids: [api] } })
    ).json.id;
    await t.call('POST', '/customers', { body: { name: 'Standard on API', contacts: ['s@x.test'], plan_id: plans.Standard, component_ids: [api] } });
    await t.call('POST', '/customers', { body: { name: 'Premium on Web', contacts: ['w@x.test'], plan_id: plans.Premium, component_ids: [web] } });
    // One hour of major outage on the API on 10 March; ninety minutes of partial outage on 20 March.
    t.clock.set(new Date('2026-03-10T12:00:00Z'));
    const { json: inc } = await t.call('POST', '/incidents', {
      body: { title: 'API down', severity: 'SEV-1', body: 'x', components: [{ id: api, status: 'major_outage' }] },
    });
    t.clock.advance(60 * MINUTE);
    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'ok' } });
    t.clock.set(new Date('2026-03-20T00:00:00Z'));
    const { json: second } = await t.call('POST', '/incidents', {
      body: { title: 'API slow', severity: 'SEV-2', body: 'x', components: [{ id: api, status: 'partial_outage' }] },
    });
    t.clock.advance(90 * MINUTE);
    await t.call('POST', `/incidents/${second.id}/updates`, { body: { status: 'resolved', body: 'ok' } });
    t.clock.set(new Date('2026-04-02T00:00:00Z'));

    const res = await t.call('GET', '/reports/sla?period=2026-03', { key: t.keys.reader });
    expect(res.status).toBe(200);
    const by = Object.fromEntries(res.json.data.map((r: any) => [r.customer.name, r]));
    // 60 min + 0.3 × 90 min = 87 min of downtime in 31 days (44 640 min): 99.805 %.
    const expected = 1 - 87 / 44_640;
    expect(by['Premium on API']).toMatchObject({
      customer: { id: premium, name: 'Premium on API' },
      period: { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', measured_until: '2026-04-01T00:00:00.000Z', final: true },
      availability_text: '99.80',
      downtime_minutes: 87,
      below_target: true,
      ladder_step: { below: 99.9, credit: 10 },
      credit_percent: 10,
      incidents: [
        { id: inc.id, title: 'API down', downtime_minutes: 60 },
        { id: second.id, title: 'API slow', downtime_minutes: 27 },
      ],
    });
    expect(by['Premium on API'].availability).toBeCloseTo(expected, 12);
    expect(by['Standard on API']).toMatchObject({ availability_text: '99.80', below_target: false, credit_percent: 0, ladder_step: null });
    expect(by['Premium on Web']).toMatchObject({ availability: 1, availability_text: '100.00', downtime_minutes: 0, incidents: [], credit_percent: 0 });
    // The mean over API and Web for a customer with both in scope, instead of the worst.
    await t.call('POST', '/customers', { body: { name: 'Both', contacts: ['b@x.test'], plan_id: plans.Premium } });
    const mean = await t.call('GET', '/reports/sla?period=2026-03&aggregate=mean');
    const both = mean.json.data.find((r: any) => r.customer.name === 'Both');
    expect(both.availability).toBeCloseTo((expected + 1) / 2, 12);
    const bad = await t.call('GET', '/reports/sla?period=2026-13');
    expect(bad.status).toBe(422);
    expect(bad.json.errors).toEqual([{ path: 'period', message: 'must be a month as YYYY-MM' }]);
    const far = await t.call('GET', '/reports/sla?period=9999-12');
    expect(far.status).toBe(422);
    expect(far.json.errors).toEqual([{ path: 'period', message: 'must be a month from 2000-01 to 2027-12' }]);
  });
});
