import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DEMO_PLANS } from '../../api/domain/availability/sla.ts';
import type { OutboxSender } from '../../api/workers/outbox-sender.ts';
import { createTestApp, MINUTE, senderTo, type TestApp } from '../helpers/app.ts';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend.ts';

let t: TestApp;
let resend: FakeResend;
let sender: OutboxSender;
let api: string;
let web: string;

beforeEach(async () => {
  t = await createTestApp();
  resend = await startFakeResend();
  sender = senderTo(resend, t);
  t.clock.set(new Date('2026-03-01T00:00:00Z'));
  api = (await t.call('POST', '/components', { body: { name: 'API' } })).json.id;
  web = (await t.call('POST', '/components', { body: { name: 'Web' } })).json.id;
  const plan = async (name: string) => {
    const p = DEMO_PLANS.find((d) => d.name === name)!;
    return (await t.call('POST', '/sla-plans', { body: { name, target: p.target, ladder: p.ladder, cap: p.cap } })).json.id;
  };
  const premium = await plan('Premium');
  const standard = await plan('Standard');
  await t.call('POST', '/customers', { body: { name: 'Globex', contacts: ['ops@globex.test', 'cto@globex.test'], plan_id: premium, component_ids: [api] } });
  await t.call('POST', '/customers', { body: { name: 'Initech', contacts: ['it@initech.test'], plan_id: standard, component_ids: [api] } });
  await t.call('POST', '/customers', { body: { name: 'Hooli', contacts: ['noc@hooli.test'], plan_id: premium, component_ids: [web] } });
});
afterEach(async () => {
  await resend.close();
  t.cleanup();
});

const to = (address: string) => resend.deliveries.filter((d) => d.to === address);

/** A SEV-1 on the API from 12:00 that lasts `minutes`, resolved with what we will change. */
async function outage(minutes: number) {
  t.clock.set(new Date('2026-03-10T12:00:00Z'));
  const { json: inc } = await t.call('POST', '/incidents', {
    body: { title: 'API unavailable', severity: 'SEV-1', body: 'Investigating.', components: [{ id: api, status: 'major_outage' }] },
  });
  await sender.drain();
  t.clock.advance(minutes * MINUTE);
  await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'A failed disk; **we now alert** on disk health.' } });
  await sender.drain();
  return inc.id as string;
}

describe('customer emails', () => {
  test('a notice when affected, then a resolution with each customer’s own SLA figures; none for the unaffected', async () => {
    await outage(60);
    // 60 min down; March is not over, so the rest of it counts as up: 1 − 60 / 44 640 = 99.86 % at most.
    const [notice, resolution] = to('ops@globex.test');
    expect(notice!.subject).toBe('Service incident affecting you: API unavailable');
    expect(notice!.text).toContain('Affected: API.');
    expect(resolution!.subject).toBe('Resolved: API unavailable');
    expect(resolution!.text).toContain('From 2026-03-10 12:00 UTC to 2026-03-10 13:00 UTC: 1 h.');
    expect(resolution!.html).toContain('<strong>we now alert</strong>');
    expect(resolution!.text).toContain('This incident caused 60 minutes of downtime on your services in March 2026.');
    expect(resolution!.text).toContain(
      'March 2026 is not over yet. Even if nothing else goes wrong, your availability for it can be at most 99.86 %, below your 99.9 % commitment: a service credit of at least 10 % is already owed.',
    );
    expect(to('cto@globex.test').map((d) => d.subject)).toEqual(['Service incident affecting you: API unavailable', 'Resolved: API unavailable']);
    // Initech is on Standard (99.5 %): within its commitment, one line and no credit.
    const initech = to('it@initech.test')[1]!;
    expect(initech.text).toContain(
      'No service credit is owed yet: with no more downtime, your availability for it will be 99.86 %, within your 99.5 % commitment.',
    );
    expect(initech.text).not.toContain('already owed');
    expect(to('noc@hooli.test')).toEqual([]);
    // The communication report: customers were emailed within SEV-1's 30 minutes.
    const report = await t.call('GET', '/reports/communication?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z');
    expect(report.json.incidents[0]).toMatchObject({ title: 'API unavailable', customer_email_on_time: true });
  });

  test('exactly once per contact per incident; a resolution after a reopen is a new, updated email', async () => {
    const id = await outage(10);
    await sender.drain();
    expect(to('ops@globex.test')).toHaveLength(2);
    t.clock.advance(5 * MINUTE);
    await t.call('POST', `/incidents/${id}/reopen`, { body: { status: 'investigating', body: 'It is back.' } });
    t.clock.advance(50 * MINUTE);
    await t.call('POST', `/incidents/${id}/updates`, { body: { status: 'resolved', body: 'Fixed for good.' } });
    await sender.drain();
    const mails = to('ops@globex.test');
    expect(mails.map((m) => m.subject)).toEqual([
      'Service incident affecting you: API unavailable',
      'Resolved: API unavailable',
      '[Updated] Resolved: API unavailable',
    ]);
    expect(mails[2]!.text).toContain('reopened and is now resolved again; the figures below are updated');
    // 10 min, then 50 more after the reopen (the 5 min between were up): 60 min, and 1 h 5 min of which 5 were resolved.
    expect(mails[2]!.text).toContain('This incident caused 60 minutes of downtime');
    expect(mails[2]!.text).toContain('at most 99.86 %, below your 99.9 % commitment');
    expect(mails[2]!.text).toContain(': 1 h (not counting the time it was resolved before it reopened).');
  });

  test('the admin preview renders without sending', async () => {
    t.clock.set(new Date('2026-03-10T12:00:00Z'));
    const { json: inc } = await t.call('POST', '/incidents', {
      body: { title: 'API unavailable', severity: 'SEV-1', body: 'x', components: [{ id: api, status: 'major_outage' }] },
    });
    const customers = (await t.call('GET', '/customers')).json.data;
    const globex = customers.find((c: { name: string }) => c.name === 'Globex').id;
    const res = await t.call('GET', `/incidents/${inc.id}/customer-emails/preview?customer=${globex}&kind=resolution`, { key: t.keys.reader });
    expect(res.status).toBe(200);
    expect(res.json.subject).toBe('Resolved: API unavailable');
    expect(res.json.html).toContain('<!doctype html>');
    expect(resend.deliveries).toHaveLength(0);
  });
});
