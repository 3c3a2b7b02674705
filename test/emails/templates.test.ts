import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../api/log.ts';
import { outboxFileTransport } from '../../emails/transports/outbox-file.ts';
import { personalise } from '../../emails/personalise.ts';
import { compileTemplate } from '../../emails/render.ts';
import { renderIncidentUpdate, subject } from '../../emails/templates/incident-update.ts';
import { renderConfirmation } from '../../emails/templates/subscription-confirmation.ts';
import { brandHtml } from '../../emails/brand.ts';
import { INCIDENT_STATUSES } from '../../api/domain/incident/lifecycle.ts';
import { MAINTENANCE_EMAILS } from '../../api/domain/maintenance/lifecycle.ts';
import { renderMaintenance, windowText } from '../../emails/templates/maintenance.ts';
import { renderCustomerEmail } from '../../emails/templates/customer-notice.ts';
import { renderResponderNotice } from '../../emails/templates/responder-notice.ts';

const recipient = {
  email: 'ops@example.com',
  manageUrl: 'https://status.example.com/subscriptions/manage?token=abc.def',
  unsubscribeUrl: 'https://status.example.com/subscriptions/unsubscribe?token=abc.def',
};
const base = {
  pageName: 'Acme',
  incidentUrl: 'https://status.example.com/incidents/inc1',
  title: 'Elevated API errors',
  impact: 'major' as const,
  body: 'Error rates are **back to normal**.',
  startedAt: new Date('2026-03-01T10:00:00Z'),
  postedAt: new Date('2026-03-01T11:45:00Z'),
  components: [{ name: 'API', status: 'partial_outage' as const }],
};

describe('incident update email', () => {
  test.each(INCIDENT_STATUSES.map((s) => [s]))('%s: renders strictly with its own subject, band and links', async (status) => {
    const resolved = status === 'resolved';
    const email = personalise(await renderIncidentUpdate({ ...base, status, resolvedAt: resolved ? base.postedAt : null }), recipient);
    const label = status[0]!.toUpperCase() + status.slice(1);
    expect(email.subject).toBe(`[${label}] Elevated API errors`);
    expect(email.html).toContain('<strong>back to normal</strong>');
    expect(email.html).toContain(`${label} · Major impact`);
    expect(email.html).toContain('href="https://status.example.com/incidents/inc1"');
    expect(email.html).toContain('href="https://status.example.com/subscriptions/manage?token=abc.def"');
    expect(email.html).not.toMatch(/\{\{\w+\}\}/);
    expect(email.text).toContain('Error rates are **back to normal**.');
    expect(email.text).toContain(resolved ? 'resolved 2026-03-01 11:45 UTC: lasted 1 h 45 min.' : 'ongoing for 1 h 45 min.');
    expect(email.text).toContain('Affected: API (partial outage)');
    expect(email.text).toContain(`Unsubscribe: ${recipient.unsubscribeUrl}`);
    expect(email.headers).toEqual({ 'List-Unsubscribe': `<${recipient.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
  });

  test('hostile text is escaped in HTML and harmless in plain text', async () => {
    const email = personalise(
      await renderIncidentUpdate({
        ...base,
        status: 'investigating',
        resolvedAt: null,
        title: '<img src=x onerror=alert(1)> {{manage_url}}',
        body: '<script>alert(1)</script> [x](javascript:alert(1)) {{unsubscribe_url}} \u0001',
        components: [{ name: '<b>API</b>', status: 'major_outage' }],
      }),
      recipient,
    );
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<img src=x');
    expect(email.html).not.toMatch(/href="javascript:/i);
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.html).toContain('&lt;b&gt;API&lt;/b&gt;');
    // Slot-looking text in an incident is text, never a slot.
    expect(email.html).toContain('{{unsubscribe_url}}');
    expect(email.text).toContain('{{unsubscribe_url}}');
    expect(email.text).not.toContain('\u0001');
    expect(email.subject).toBe('[Investigating] <img src=x onerror=alert(1)> {{manage_url}}');
  });

  test('subjects are short and specific', () => {
    expect(subject({ status: 'resolved', title: '  Elevated\nAPI   errors ' })).toBe('[Resolved] Elevated API errors');
  });
});

describe('subscription confirmation email', () => {
  test('renders strictly with the confirmation link and scope', async () => {
    const email = await renderConfirmation({
      pageName: 'Acme',
      recipient: 'new@example.com',
      confirmUrl: 'https://status.example.com/subscribe/confirm?token=t0k',
      components: ['API', 'Search'],
    });
    expect(email.subject).toBe('Confirm your subscription to Acme');
    expect(email.html).toContain('href="https://status.example.com/subscribe/confirm?token=t0k"');
    expect(email.html).toContain('for API, Search');
    expect(email.text).toContain('Confirm: https://status.example.com/subscribe/confirm?token=t0k');
    expect(email.html).not.toMatch(/\{\{\w+\}\}/);
  });
});

test('templates compile once', async () => {
  const a = compileTemplate('subscription-confirmation');
  expect(compileTemplate('subscription-confirmation')).toBe(a);
});

test('a template that breaks MJML rules fails to compile (strict validation)', async () => {
  const { default: mjml2html } = await import('mjml');
  await expect(mjml2html('<mjml><mj-body><mj-text bogus="1">x</mj-text></mj-body></mjml>', { validationLevel: 'strict' })).rejects.toThrow();
});

describe('maintenance email', () => {
  const maintenance = {
    pageName: 'Acme',
    maintenanceUrl: 'https://status.example.com/maintenances/m1',
    title: 'Database upgrade',
    body: 'Expect **brief** reconnects.',
    scheduledFor: new Date('2026-03-01T22:00:00Z'),
    scheduledUntil: new Date('2026-03-02T01:00:00Z'),
    startedAt: null,
    completedAt: null,
    components: ['API', 'Dashboard'],
  };
  const LABELS = {
    scheduled: 'Maintenance scheduled',
    reminder: 'Maintenance reminder',
    started: 'Maintenance in progress',
    update: 'Maintenance update',
    completed: 'Maintenance completed',
    cancelled: 'Maintenance cancelled',
  };

  test.each(MAINTENANCE_EMAILS.map((k) => [k]))('%s: renders strictly with its own subject, band, window and links', async (kind) => {
    const begun = kind === 'started' || kind === 'update' || kind === 'completed';
    const props = {
      ...maintenance,
      kind,
      startedAt: begun ? new Date('2026-03-01T22:05:00Z') : null,
      completedAt: kind === 'completed' ? new Date('2026-03-02T00:35:00Z') : null,
    };
    const email = personalise(await renderMaintenance(props), recipient);
    expect(email.subject).toBe(`[${LABELS[kind]}] Database upgrade`);
    expect(email.html).toContain(`>${LABELS[kind]}<`);
    expect(email.html).toContain('<strong>brief</strong>');
    expect(email.html).toContain('href="https://status.example.com/maintenances/m1"');
    expect(email.html).toContain('href="https://status.example.com/subscriptions/manage?token=abc.def"');
    expect(email.html).not.toMatch(/\{\{\w+\}\}/);
    expect(email.text).toContain('Affects: API, Dashboard');
    expect(email.text).toContain(
      {
        scheduled: 'Scheduled 2026-03-01 22:00 UTC – 2026-03-02 01:00 UTC (3 h).',
        reminder: 'Scheduled 2026-03-01 22:00 UTC – 2026-03-02 01:00 UTC (3 h).',
        cancelled: 'Was scheduled 2026-03-01 22:00 UTC – 2026-03-02 01:00 UTC (3 h).',
        started: 'Began 2026-03-01 22:05 UTC; planned to end 2026-03-02 01:00 UTC.',
        update: 'Began 2026-03-01 22:05 UTC; planned to end 2026-03-02 01:00 UTC.',
        completed: 'Began 2026-03-01 22:05 UTC, completed 2026-03-02 00:35 UTC: took 2 h 30 min.',
      }[kind],
    );
    expect(email.text).toContain(`Unsubscribe: ${recipient.unsubscribeUrl}`);
    expect(email.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  });

  test('a window within one UTC day names the day once', () => {
    expect(windowText(new Date('2026-03-01T02:00:00Z'), new Date('2026-03-01T04:30:00Z'))).toBe('2026-03-01 02:00–04:30 UTC');
  });

  test('hostile text is escaped in HTML; slot-looking text stays text', async () => {
    const email = personalise(
      await renderMaintenance({
        ...maintenance,
        kind: 'scheduled',
        title: '<img src=x onerror=alert(1)> {{manage_url}}',
        body: '<script>alert(1)</script> {{unsubscribe_url}}',
        components: ['<b>API</b> {{recipient}}'],
      }),
      recipient,
    );
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<img src=x');
    expect(email.html).toContain('&lt;b&gt;API&lt;/b&gt;');
    expect(email.html).toContain('{{unsubscribe_url}}');
    expect(email.text).toContain('Affects: <b>API</b> {{recipient}}');
    expect(email.subject).toBe('[Maintenance scheduled] <img src=x onerror=alert(1)> {{manage_url}}');
  });
});

describe('customer emails', () => {
  const hostile = 'Globex <script>alert(1)</script> & Co';

  test('the period statement renders strictly: subject, lines, the page link, everything escaped', async () => {
    const email = await renderCustomerEmail({
      kind: 'statement',
      customerName: hostile,
      pageName: 'Acme',
      pageUrl: 'https://status.example.com',
      period: { from: new Date('2026-11-26T00:00:00Z'), to: new Date('2026-12-26T00:00:00Z') },
      lines: ['Your availability was 99.72 %.', 'Incident "<b>API</b> down": 120 minutes of downtime.'],
    });
    expect(email.subject).toBe('Your service statement for 26 November – 25 December 2026');
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('Globex &lt;script&gt;');
    expect(email.html).toContain('Incident &quot;&lt;b&gt;API&lt;/b&gt; down&quot;: 120 minutes of downtime.');
    expect(email.html).toContain('href="https://status.example.com"');
    expect(email.html).toContain('View the status page');
    expect(email.text).toContain('Incident "<b>API</b> down": 120 minutes of downtime.');
    expect(email.text).toContain('View the status page: https://status.example.com');
  });

  test('a reopened incident’s duration leaves out the time it was resolved, and says so', async () => {
    const at = (hhmm: string) => new Date(`2026-03-01T${hhmm}:00Z`);
    const email = await renderCustomerEmail({
      kind: 'resolution',
      customerName: 'Globex',
      pageName: 'Acme',
      incidentUrl: 'https://status.example.com/incidents/inc1',
      title: 'API down',
      startedAt: at('10:00'),
      resolvedAt: at('12:00'),
      resolvedGaps: [{ from: at('10:30'), to: at('11:30') }],
      now: at('12:00'),
      affected: ['API'],
      body: 'Fixed.',
      updated: true,
      sla: [],
    });
    expect(email.subject).toBe('[Updated] Resolved: API down');
    expect(email.text).toContain('From 2026-03-01 10:00 UTC to 2026-03-01 12:00 UTC: 1 h (not counting the time it was resolved before it reopened).');
  });
});

describe('hostile text in customer and responder emails', () => {
  const hostile = 'API <script>alert(1)</script> & "quotes" \u0007bell';

  test('the customer notice compiles strictly and escapes names, titles and bodies', async () => {
    const email = await renderCustomerEmail({
      kind: 'notice',
      customerName: hostile,
      pageName: 'Acme',
      incidentUrl: 'https://status.example.com/incidents/inc1?a=1&b=2',
      title: hostile,
      startedAt: new Date('2026-03-01T10:00:00Z'),
      resolvedAt: null,
      resolvedGaps: [],
      now: new Date('2026-03-01T10:30:00Z'),
      affected: ['<b>API</b>'],
      body: '<img src=x onerror=alert(1)> **bold**',
      updated: false,
      sla: [],
    });
    expect(email.subject).toBe('Service incident affecting you: API <script>alert(1)</script> & "quotes" bell');
    expect(email.html).not.toMatch(/<script|<img/);
    expect(email.html).not.toContain(String.fromCharCode(7));
    expect(email.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(email.html).toContain('API &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(email.html).toContain('Affected: &lt;b&gt;API&lt;/b&gt;.');
    expect(email.html).toContain('<strong>bold</strong>');
    expect(email.html).toContain('href="https://status.example.com/incidents/inc1?a=1&amp;b=2"');
    expect(email.text).toContain('Since 2026-03-01 10:00 UTC (30 min so far).');
  });

  test('the responder notice compiles strictly and escapes the title and message', async () => {
    const html = await compileTemplate('responder-notice');
    expect(html).toContain('{{title}}');
    const email = await renderResponderNotice({
      headline: 'Update overdue',
      title: hostile,
      message: `Due at 10:30 <b>now</b>`,
      incidentUrl: 'https://status.example.com/incidents/inc1',
    });
    expect(email.subject).toBe('Update overdue: API <script>alert(1)</script> & "quotes" bell');
    expect(email.html).not.toMatch(/<script|<b>now/);
    expect(email.html).not.toContain(String.fromCharCode(7));
    expect(email.html).toContain('Due at 10:30 &lt;b&gt;now&lt;/b&gt;');
    expect(email.html).toContain('href="https://status.example.com/incidents/inc1"');
    expect(email.text).toContain('Due at 10:30 <b>now</b>');
  });
});

describe('deliverability basics', () => {
  test.each(['subscriber-event', 'subscription-confirmation', 'customer-notice', 'responder-notice'])('%s declares its language', async (name) => {
    expect(await compileTemplate(name, { status_color: '#000000', band_color: '#000000' })).toContain('<html lang="en"');
  });

  test('the .eml writer dates every email (RFC 5322 Date header)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'candor-eml-'));
    try {
      const transport = outboxFileTransport(dir, silentLogger);
      await transport.sendBatch([{ from: 'Acme <status@example.com>', to: 'a@example.com', subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' }], 'key-1');
      const [file] = readdirSync(dir);
      const eml = readFileSync(join(dir, file!), 'utf8');
      expect(eml).toMatch(/^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('component names that look like slots are kept as written in both parts', async () => {
  const email = personalise(
    await renderIncidentUpdate({ ...base, status: 'identified', resolvedAt: null, components: [{ name: 'API {{manage_url}}', status: 'partial_outage' }] }),
    recipient,
  );
  expect(email.text).toContain('Affected: API {{manage_url}} (partial outage)');
  expect(email.html).toContain('API {{manage_url}} (partial outage)');
});

describe('the owner’s brand', () => {
  test('a band and a logo at the top of every kind of email; none when unset; nothing unescaped', async () => {
    const brand = { color: '#0a3069', logoUrl: 'https://status.example.com/brand/logo?v=abc&x="1"' };
    const confirmation = await renderConfirmation({ pageName: 'Acme <Ops>', recipient: 'a@example.com', confirmUrl: 'https://x', components: null, brand });
    expect(confirmation.html).toContain('<div style="background:#0a3069;height:6px;line-height:6px;font-size:0">&nbsp;</div>');
    expect(confirmation.html).toContain('<img src="https://status.example.com/brand/logo?v=abc&amp;x=&quot;1&quot;" alt="Acme &lt;Ops&gt;"');
    const plain = await renderConfirmation({ pageName: 'Acme', recipient: 'a@example.com', confirmUrl: 'https://x', components: null });
    expect(plain.html).not.toContain('brand/logo');
    expect(plain.html).not.toContain('{{brand}}');
    // A colour that is not #rrggbb never reaches a style attribute.
    expect(brandHtml({ color: 'red;background:url(x)', logoUrl: null }, 'Acme')).toBe('');
  });
});
