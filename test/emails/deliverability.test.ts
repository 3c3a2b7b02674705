import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { axeViolations, launchChromium } from '../helpers/browser.ts';
import { silentLogger } from '../../api/log.ts';
import { personalise } from '../../emails/personalise.ts';
import { outboxFileTransport } from '../../emails/transports/outbox-file.ts';
import { renderIncidentUpdate } from '../../emails/templates/incident-update.ts';
import { renderMaintenance } from '../../emails/templates/maintenance.ts';
import { renderConfirmation } from '../../emails/templates/subscription-confirmation.ts';
import { renderCustomerEmail } from '../../emails/templates/customer-notice.ts';
import { renderResponderNotice } from '../../emails/templates/responder-notice.ts';
import { renderSignIn } from '../../emails/templates/sign-in.ts';

// Every kind of email Candor sends, written as the .eml a mail server would receive and scored
// offline by SpamAssassin (Debian's package; `-L`: local tests only, no network): each must
// stay under 1.0 (5.0 is spam). The score is what filters see of our own markup and headers.
// Then each is opened in Chromium, light and dark: axe finds no contrast or structure problem.
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'candor-spam-'));
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

const recipient = {
  email: 'jane@example.org',
  manageUrl: 'https://status.example.com/subscriptions/manage?token=abc.def',
  unsubscribeUrl: 'https://status.example.com/subscriptions/unsubscribe?token=abc.def',
};
const from = '"Acme Status" <status@example.com>';
const at = new Date('2026-11-26T10:00:00Z');
const brand = { color: '#0550ae', logoUrl: null };

const kinds: [string, () => Promise<{ subject: string; html: string; text: string; headers?: Record<string, string> }>][] = [
  [
    'incident update',
    async () =>
      personalise(
        await renderIncidentUpdate({
          pageName: 'Acme',
          incidentUrl: 'https://status.example.com/incidents/inc1',
          title: 'Elevated API errors',
          status: 'identified',
          impact: 'major',
          body: 'A certificate expired on the card gateway; we are **rolling out** a new one.',
          startedAt: at,
          resolvedAt: null,
          postedAt: new Date(at.getTime() + 20 * 60_000),
          components: [{ name: 'API', status: 'partial_outage' }],
          brand,
        }),
        recipient,
      ),
  ],
  [
    'maintenance',
    async () =>
      personalise(
        await renderMaintenance({
          pageName: 'Acme',
          maintenanceUrl: 'https://status.example.com/maintenances/m1',
          kind: 'scheduled',
          title: 'Database upgrade',
          body: 'The primary database moves to new hardware.',
          scheduledFor: new Date('2026-11-30T01:00:00Z'),
          scheduledUntil: new Date('2026-11-30T03:00:00Z'),
          startedAt: null,
          completedAt: null,
          components: ['API'],
          brand,
        }),
        recipient,
      ),
  ],
  [
    'subscription confirmation',
    () =>
      renderConfirmation({
        pageName: 'Acme',
        recipient: 'jane@example.org',
        confirmUrl: 'https://status.example.com/subscribe/confirm?token=t0k3n',
        components: null,
        brand,
      }),
  ],
  [
    'customer notice',
    () =>
      renderCustomerEmail({
        kind: 'notice',
        customerName: 'Globex',
        pageName: 'Acme',
        incidentUrl: 'https://status.example.com/incidents/inc1',
        title: 'Elevated API errors',
        startedAt: at,
        resolvedAt: null,
        resolvedGaps: [],
        now: new Date(at.getTime() + 30 * 60_000),
        affected: ['API'],
        body: 'We are rolling out a fix.',
        updated: false,
        sla: [],
        brand,
      }),
  ],
  [
    'customer resolution',
    () =>
      renderCustomerEmail({
        kind: 'resolution',
        customerName: 'Globex',
        pageName: 'Acme',
        incidentUrl: 'https://status.example.com/incidents/inc1',
        title: 'Elevated API errors',
        startedAt: at,
        resolvedAt: new Date(at.getTime() + 90 * 60_000),
        resolvedGaps: [],
        now: new Date(at.getTime() + 90 * 60_000),
        affected: ['API'],
        body: 'The certificate was renewed; renewals are now monitored.',
        updated: false,
        sla: [['Your availability this month is 99.79 %, below the 99.9 % in your plan.', 'You are owed a credit of 10 % of this month’s fee.']],
        brand,
      }),
  ],
  [
    'statement',
    () =>
      renderCustomerEmail({
        kind: 'statement',
        customerName: 'Globex',
        pageName: 'Acme',
        pageUrl: 'https://status.example.com',
        period: { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-11-01T00:00:00Z') },
        lines: ['Your availability was 99.98 %, within the 99.9 % in your plan.', 'No credit is owed.'],
        brand,
      }),
  ],
  [
    'responder notice',
    () =>
      renderResponderNotice({
        pageName: 'Acme',
        headline: 'Public update overdue',
        title: 'Elevated API errors',
        message: 'The public update on this SEV-2 incident was due at 10:30 UTC and is 4 min late.',
        incidentUrl: 'https://status.example.com/incidents/inc1',
        brand,
      }),
  ],
  ['sign-in link', () => renderSignIn({ pageName: 'Acme', brand, purpose: 'sign_in', url: 'https://status.example.com/admin/sign-in/link?token=t0k3n' })],
];

test.each(kinds)(
  '%s scores under 1.0 with SpamAssassin',
  async (name, render) => {
    const email = await render();
    const out = join(dir, name.replace(/\W+/g, '-'));
    await outboxFileTransport(out, silentLogger).sendBatch([{ from, to: 'jane@example.org', ...email }], name);
    const file = join(out, readdirSync(out)[0]!);
    const { stdout } = await run('sh', ['-c', `spamassassin -L -t < "${file}"`], { maxBuffer: 10 * 1024 * 1024 });
    const score = Number(/X-Spam-Status: \w+, score=(-?[\d.]+)/.exec(stdout)?.[1]);
    const report = stdout.slice(stdout.indexOf('Content analysis details'));
    expect({ name, score, report: score < 1 ? '' : report }).toEqual({ name, score: expect.any(Number), report: '' });
    expect(score).toBeLessThan(1);
  },
  60_000,
);

test.each(kinds)(
  '%s: a Date header, lang, no hidden preheader, no remote fonts; readable light and dark',
  async (name, render) => {
    const email = await render();
    const out = join(dir, `headers-${name.replace(/\W+/g, '-')}`);
    await outboxFileTransport(out, silentLogger).sendBatch([{ from, to: 'jane@example.org', ...email }], name);
    const eml = readFileSync(join(out, readdirSync(out)[0]!), 'utf8');
    expect(eml).toMatch(/^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT\r$/m);
    expect(email.html).toMatch(/<html lang="en"/);
    expect(email.html).toContain('<meta name="color-scheme" content="light dark"');
    expect(email.html).not.toMatch(/fonts\.googleapis|@import|<link[^>]+stylesheet/);
    expect(email.html).not.toMatch(/display:\s*none[^"]*max-height:\s*0/); // no hidden preheader
    for (const colorScheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ colorScheme });
      const page = await context.newPage();
      await page.setContent(email.html);
      const violations = await axeViolations(page, ['wcag2a', 'wcag2aa', 'wcag21aa']);
      await context.close();
      expect({ colorScheme, violations }).toEqual({ colorScheme, violations: [] });
    }
  },
  60_000,
);
