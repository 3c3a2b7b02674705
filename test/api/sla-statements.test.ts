import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { queueDueStatements } from '../../api/services/customers/statements.ts';
import type { OutboxSender } from '../../api/workers/outbox-sender.ts';
import { createDb } from '../../db/client.ts';
import { createTestApp, MINUTE, senderTo, type TestApp } from '../helpers/app.ts';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend.ts';

let t: TestApp;
let resend: FakeResend;
let sender: OutboxSender;
let api: string;
let customer: string;

/** Premium: 99.9 % → 10 %, 99.0 % → 25 %, 95.0 % → 100 %; billed from the 26th, as in the report that started this. */
beforeEach(async () => {
  t = await createTestApp();
  resend = await startFakeResend();
  sender = senderTo(resend, t);
  t.clock.set(new Date('2026-10-20T00:00:00Z'));
  api = (await t.call('POST', '/components', { body: { name: 'API' } })).json.id;
  const plan = (
    await t.call('POST', '/sla-plans', {
      body: {
        name: 'Premium',
        target: 99.9,
        ladder: [
          { below: 99.9, credit: 10 },
          { below: 99, credit: 25 },
          { below: 95, credit: 100 },
        ],
        cap: 100,
      },
    })
  ).json.id;
  customer = (
    await t.call('POST', '/customers', {
      body: { name: 'Globex', contacts: ['ops@globex.test', 'cto@globex.test'], plan_id: plan, component_ids: [api], billing_anchor_day: 26 },
    })
  ).json.id;
});
afterEach(async () => {
  await resend.close();
  t.cleanup();
});

/** A SEV-1 on the API from 25 November 23:00 to 26 November 02:00: one hour in one billing period, two in the next. */
async function outageAcrossPeriods() {
  t.clock.set(new Date('2026-11-25T23:00:00Z'));
  const { json: inc } = await t.call('POST', '/incidents', {
    body: { title: 'API down', severity: 'SEV-1', body: 'Investigating.', components: [{ id: api, status: 'major_outage' }] },
  });
  t.clock.set(new Date('2026-11-26T02:00:00Z'));
  await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'A bad deploy, rolled back.' } });
  await sender.drain();
  return inc.id as string;
}

const to = (address: string) => resend.deliveries.filter((d) => d.to === address);

describe('the resolution email states only what is certain', () => {
  test('per billing period the incident touched: its downtime there, and the credit already owed', async () => {
    await outageAcrossPeriods();
    const resolution = to('ops@globex.test').find((d) => d.subject.startsWith('Resolved'))!;
    // 26 Oct – 25 Nov is closed: 60 min over 44 640 → 99.86 %, final.
    expect(resolution.text).toContain(
      'This incident caused 60 minutes of downtime on your services in 26 October – 25 November 2026. Your availability for 26 October – 25 November 2026 was 99.86 %, below your 99.9 % commitment. A 10 % service credit is owed for this period.',
    );
    // 26 Nov – 25 Dec has just begun: 120 min over the whole 43 200 → at most 99.72 %, so at least 10 % is owed already — never "0.00 %, 100 %".
    expect(resolution.text).toContain(
      'This incident caused 120 minutes of downtime on your services in 26 November – 25 December 2026. 26 November – 25 December 2026 is not over yet. Even if nothing else goes wrong, your availability for it can be at most 99.72 %, below your 99.9 % commitment: a service credit of at least 10 % is already owed.',
    );
    expect(resolution.text).not.toContain('0.00 %');
    // In the HTML, each period's downtime and credit stands out.
    expect(resolution.html.match(/<strong>This incident caused \d+ minutes of downtime/g)).toHaveLength(2);
  });
});

describe('the period statement', () => {
  test('at the period’s close: one email per contact with the final figures, sent once across passes and instances', async () => {
    const incident = await outageAcrossPeriods();
    t.clock.set(new Date('2026-12-26T00:05:00Z'));
    // Two passes here and one from a second handle on the same database file (another instance), at once.
    const other = await createDb(t.url);
    try {
      await Promise.all([queueDueStatements(t.ctx), queueDueStatements(t.ctx), queueDueStatements({ database: other, now: t.clock.now })]);
    } finally {
      other.close();
    }
    await sender.drain();
    expect(await queueDueStatements(t.ctx)).toBe(0);
    await sender.drain();
    const statements = resend.deliveries.filter((d) => d.subject.startsWith('Your service statement'));
    expect(statements.map((d) => d.to).sort()).toEqual(['cto@globex.test', 'ops@globex.test']);
    const mail = statements[0]!;
    expect(mail.subject).toBe('Your service statement for 26 November – 25 December 2026');
    expect(mail.text).toContain(
      'Your availability for 26 November – 25 December 2026 was 99.72 %, below your 99.9 % commitment. A 10 % service credit is owed for this period.',
    );
    expect(mail.text).toContain('API: 99.72 % available, 120 minutes of downtime.');
    expect(mail.text).toContain('Incident "API down": 120 minutes of downtime.');
    expect(mail.text).toContain('Credit step: availability below 99.9 % earns 10 %.');
    // In the HTML, what is owed stands out and the figures behind it are a list.
    expect(mail.html).toContain('<strong>Your availability for 26 November – 25 December 2026 was 99.72 %');
    expect(mail.html).toContain('<li>API: 99.72 % available, 120 minutes of downtime.</li>');

    const listed = await t.call('GET', `/customers/${customer}/statements`, { key: t.keys.reader });
    expect(listed.json.data).toEqual([
      {
        period: { from: '2026-11-26T00:00:00.000Z', to: '2026-12-26T00:00:00.000Z' },
        queued_at: '2026-12-26T00:05:00.000Z',
        last_sent_at: expect.any(String),
        recipients: 2,
        sent: 2,
        failed: 0,
      },
    ]);
    // The preview of the same period states the same figures as the report.
    const preview = await t.call('GET', `/customers/${customer}/statements/preview`, { key: t.keys.reader });
    const report = await t.call('GET', '/reports/sla?period=2026-11');
    const { subject, html, text, ...figures } = preview.json;
    const { customer: _c, plan: _p, ...reported } = report.json.data[0];
    expect(figures).toEqual(reported);
    expect(figures).toMatchObject({
      availability_text: '99.72',
      credit_percent: 10,
      period: { final: true },
      incidents: [{ id: incident, downtime_minutes: 120 }],
    });
    expect(text).toBe(mail.text);
    expect(subject).toBe(mail.subject);
    expect(html).toContain('99.72 %');
  });

  test('a customer who joined after the period closed gets none for it', async () => {
    t.clock.set(new Date('2026-12-27T00:00:00Z'));
    const plan = (await t.call('GET', '/sla-plans')).json.data[0].id;
    await t.call('POST', '/customers', { body: { name: 'Late', contacts: ['late@x.test'], plan_id: plan } });
    await queueDueStatements(t.ctx);
    const rows = await t.database.db.all<{ recipient: string }>(sql`SELECT recipient FROM outbox WHERE template = 'customer-statement' ORDER BY recipient`);
    expect(rows.map((r) => r.recipient)).toEqual(['cto@globex.test', 'ops@globex.test']);
  });

  test('the preview and list answer 404 for an unknown customer, 422 for a bad period', async () => {
    expect((await t.call('GET', '/customers/nosuchcust00/statements')).status).toBe(404);
    const bad = await t.call('GET', `/customers/${customer}/statements/preview?period=9999-12`);
    expect(bad.status).toBe(422);
    expect(bad.json.errors[0].path).toBe('period');
  });
});

/**
 * One computation behind every surface: over a grid of histories, the SLA report, the
 * resolution email and the period statement state the same availability, downtime and credit.
 */
describe('report, resolution email and statement agree', () => {
  interface Case {
    anchor: number | null;
    /** Outage start (UTC) and length. */
    start: string;
    minutes: number;
    ladder: { below: number; credit: number }[];
    cap: number;
    aggregate: 'worst' | 'mean';
    /** A maintenance on the API, announced `noticeHours` before it runs 60 min after the outage. */
    noticeHours?: number;
  }
  const ladder = [
    { below: 99.9, credit: 10 },
    { below: 99, credit: 25 },
    { below: 95, credit: 100 },
  ];
  const cases: [string, Case][] = [
    ['calendar month, short outage', { anchor: null, start: '2026-11-10T12:00:00Z', minutes: 5, ladder, cap: 100, aggregate: 'worst' }],
    [
      'exactly at the 99.9 % threshold of a 30-day month (43.2 min)',
      { anchor: null, start: '2026-11-10T12:00:00Z', minutes: 43.2, ladder, cap: 100, aggregate: 'worst' },
    ],
    ['one second past the threshold', { anchor: null, start: '2026-11-10T12:00:00Z', minutes: 43.2 + 1 / 60, ladder, cap: 100, aggregate: 'worst' }],
    ['spanning a month boundary', { anchor: null, start: '2026-11-30T22:00:00Z', minutes: 240, ladder, cap: 100, aggregate: 'worst' }],
    ['anchor day 31 (clamped in November)', { anchor: 31, start: '2026-11-29T10:00:00Z', minutes: 600, ladder, cap: 100, aggregate: 'worst' }],
    ['anchor day 26, spanning the anchor', { anchor: 26, start: '2026-11-25T20:00:00Z', minutes: 480, ladder, cap: 100, aggregate: 'worst' }],
    [
      'a deep breach under a cap',
      {
        anchor: null,
        start: '2026-11-05T00:00:00Z',
        minutes: 3000,
        ladder: [
          { below: 99.9, credit: 10 },
          { below: 95, credit: 30 },
        ],
        cap: 30,
        aggregate: 'worst',
      },
    ],
    ['mean over two components', { anchor: null, start: '2026-11-10T12:00:00Z', minutes: 90, ladder, cap: 100, aggregate: 'mean' }],
    ['with maintenance announced in time', { anchor: null, start: '2026-11-10T12:00:00Z', minutes: 30, ladder, cap: 100, aggregate: 'worst', noticeHours: 72 }],
    ['with maintenance announced too late', { anchor: null, start: '2026-11-10T12:00:00Z', minutes: 30, ladder, cap: 100, aggregate: 'worst', noticeHours: 2 }],
  ];

  test.each(cases)('%s', async (_, c) => {
    t.clock.set(new Date('2026-10-01T00:00:00Z'));
    const web = (await t.call('POST', '/components', { body: { name: 'Web' } })).json.id;
    const plan = (await t.call('POST', '/sla-plans', { body: { name: 'Grid', target: 99.9, ladder: c.ladder, cap: c.cap, aggregate: c.aggregate } })).json.id;
    const who = (
      await t.call('POST', '/customers', {
        body: { name: 'Grid Co', contacts: ['grid@x.test'], plan_id: plan, component_ids: [api, web], billing_anchor_day: c.anchor },
      })
    ).json.id;
    const start = new Date(c.start);
    if (c.noticeHours !== undefined) {
      t.clock.set(new Date(start.getTime() + 60 * MINUTE - c.noticeHours * 3_600_000));
      await t.call('POST', '/maintenances', {
        body: {
          title: 'Planned work',
          body: 'b',
          scheduled_for: new Date(start.getTime() + 60 * MINUTE).toISOString(),
          scheduled_until: new Date(start.getTime() + 120 * MINUTE).toISOString(),
          component_ids: [api],
          notify_on_start: false,
          notify_on_complete: false,
        },
      });
    }
    t.clock.set(start);
    const { json: inc } = await t.call('POST', '/incidents', {
      body: { title: 'Grid outage', severity: 'SEV-1', body: 'b', components: [{ id: api, status: 'major_outage' }] },
    });
    t.clock.set(new Date(start.getTime() + c.minutes * MINUTE));
    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'ok' } });
    if (c.noticeHours !== undefined) {
      const { MaintenanceClock } = await import('../../api/workers/maintenance-clock.ts');
      const { silentLogger } = await import('../../api/log.ts');
      const clock = new MaintenanceClock({ ctx: t.ctx, logger: silentLogger });
      t.clock.set(new Date(start.getTime() + 60 * MINUTE));
      await clock.tick();
      t.clock.set(new Date(start.getTime() + 120 * MINUTE));
      await clock.tick();
    }
    // Read every surface after the last period the incident touched has closed.
    t.clock.set(new Date('2027-01-15T00:00:00Z'));
    const email = (await t.call('GET', `/incidents/${inc.id}/customer-emails/preview?customer=${who}&kind=resolution`)).json.text as string;
    const months = [...new Set([start, new Date(start.getTime() + c.minutes * MINUTE - 1)].map((d) => monthOf(d, c.anchor)))];
    let stated = 0;
    for (const month of months) {
      const report = (await t.call('GET', `/reports/sla?period=${month}`)).json.data.find((r: any) => r.customer.id === who);
      const { subject: _s, html: _h, text, ...statement } = (await t.call('GET', `/customers/${who}/statements/preview?period=${month}`)).json;
      const { customer: _c, plan: _p, ...reported } = report;
      expect(statement).toEqual(reported);
      const credit =
        reported.credit_percent > 0 ? `A ${reported.credit_percent} % service credit is owed for this period.` : 'No service credit is owed for this period.';
      const line = `was ${reported.availability_text} %`;
      for (const words of [email, text]) {
        expect(words).toContain(line);
        expect(words).toContain(credit);
      }
      const mine = reported.incidents.find((i: { id: string }) => i.id === inc.id);
      if (mine) {
        expect(email).toContain(`This incident caused ${mine.downtime_minutes} ${mine.downtime_minutes === 1 ? 'minute' : 'minutes'} of downtime`);
        expect(text).toContain(`Incident "Grid outage": ${mine.downtime_minutes} ${mine.downtime_minutes === 1 ? 'minute' : 'minutes'} of downtime.`);
        stated += mine.downtime_minutes;
      }
      if (c.noticeHours !== undefined) {
        expect(reported.maintenances).toEqual([expect.objectContaining({ excluded: c.noticeHours >= 48 })]);
        const named =
          c.noticeHours >= 48 ? 'announced at least 48 h ahead, so left out of your availability.' : 'announced less than 48 h ahead, so counted as downtime.';
        for (const words of [email, text]) expect(words).toContain(`Maintenance "Planned work": ${reported.maintenances[0].minutes} minutes, ${named}`);
      }
    }
    // Across periods, the stated downtime never falls short of what happened (rounded up per period; the mean's over two components).
    expect(stated).toBeGreaterThanOrEqual(Math.ceil(c.aggregate === 'mean' ? c.minutes / 2 : c.minutes));
  });
});

/** The `YYYY-MM` that names the billing period containing `d` (a period is named by the month it starts in). */
function monthOf(d: Date, anchor: number | null): string {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const startsThisMonth = d.getUTCDate() >= Math.min(anchor ?? 1, last);
  const start = startsThisMonth ? new Date(Date.UTC(y, m, 1)) : new Date(Date.UTC(y, m - 1, 1));
  return start.toISOString().slice(0, 7);
}
