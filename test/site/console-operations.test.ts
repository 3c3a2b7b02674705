import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../api/services/context.ts';
import { signInWithLink } from '../../api/services/users/sessions.ts';
import { createUser } from '../../api/services/users/users.ts';
import { axeViolations, launchChromium } from '../helpers/browser.ts';
import { createSiteFixture, reportTrouble, startServer, within, type RunningServer } from '../helpers/server.ts';

// Each test walks many pages in a real browser; on a loaded two-core CI machine that takes a while.
vi.setConfig({ testTimeout: 60_000 });

// The operator's daily screens in Chromium without JavaScript, on the real server: each main
// task done end to end and checked on the public surfaces, a refused input beside its field
// with nothing written, the roles' limits, axe light and dark, 360 px.
let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
let server: RunningServer;
let browser: Browser;
let outboxDir: string;
let admin: (method: string, path: string, body?: unknown) => Promise<any>;
let api: string;
let web: string;
let owner: BrowserContext;
let responder: BrowserContext;
let viewer: BrowserContext;
let maintenanceId = '';
let customerId = '';
let planId = '';

// A real 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const emails = () => readdirSync(outboxDir).map((f) => readFileSync(join(outboxDir, f), 'utf8'));
const count = async (query: ReturnType<typeof sql>) => Number((await fixture.database.db.get<{ n: number }>(query))!.n);

/** A browser signed in as a new user of `role` (no JavaScript: every form must work without it). */
async function signedIn(email: string, role: string): Promise<BrowserContext> {
  const ctx = { database: fixture.database, now: () => new Date() };
  const { link } = await createUser(ctx, SYSTEM_ACTOR, { email, role }, { publicUrl: server.url, email: false });
  const { token } = await signInWithLink(ctx, new URL(link).searchParams.get('token')!);
  const context = await browser.newContext({ javaScriptEnabled: false });
  await context.addCookies([{ name: 'candor_session', value: token, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
  return context;
}

async function open(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${server.url}${path}`);
  return page;
}

beforeAll(async () => {
  fixture = await createSiteFixture();
  outboxDir = mkdtempSync(join(tmpdir(), 'candor-ops-'));
  server = await startServer({ DATABASE_URL: fixture.databaseUrl, CANDOR_OUTBOX_DIR: outboxDir, CANDOR_PAGE_NAME: 'Acme' });
  admin = fixture.admin(server);
  api = (await admin('POST', '/components', { name: 'API' })).id;
  web = (await admin('POST', '/components', { name: 'Web' })).id;
  await admin('POST', '/subscribers', { email: 'everything@example.com', confirmed: true });
  browser = await launchChromium();
  [owner, responder, viewer] = await Promise.all([
    signedIn('owner@example.com', 'owner'),
    signedIn('responder@example.com', 'responder'),
    signedIn('viewer@example.com', 'viewer'),
  ]);
}, 60_000);
afterAll(async () => {
  if (server) reportTrouble(server);
  await browser?.close();
  await server?.stop();
  fixture?.cleanup();
  rmSync(outboxDir, { recursive: true, force: true });
});

describe('maintenance', () => {
  test('scheduled in the operator’s zone, shown in UTC; announced, started, completed; on the public page and JSON', async () => {
    const page = await open(responder, '/admin/maintenances');
    const day = new Date(Date.now() + 4 * 86_400_000).toISOString().slice(0, 10);
    await page.fill('#f-title', 'Database upgrade');
    await page.fill('#f-body', 'The primary database moves to new hardware.');
    await page.selectOption('#f-zone', 'Asia/Tokyo');
    // Refused first: the end before the start, said beside the field; nothing written.
    await page.fill('#f-scheduled_for', `${day}T10:00`);
    await page.fill('#f-scheduled_until', `${day}T09:00`);
    await page.check(`input[name="component_ids"][value="${api}"]`);
    await page.click('button:has-text("Schedule")');
    expect(await page.locator('#f-scheduled_until-error').innerText()).toMatch(/after/);
    expect(await page.inputValue('#f-title')).toBe('Database upgrade');
    expect(await count(sql`SELECT count(*) AS n FROM maintenances`)).toBe(0);

    await page.fill('#f-scheduled_until', `${day}T12:00`);
    await page.click('button:has-text("Schedule")');
    await page.waitForURL(/\/admin\/maintenances\/\w+\?saved=1$/);
    maintenanceId = new URL(page.url()).pathname.split('/').pop()!;
    // 10:00 in Tokyo (UTC+9) is 01:00 UTC.
    expect(await page.locator('main .meta').first().innerText()).toContain(`${day} 01:00 UTC`);
    expect(await page.locator('[data-plan]').count()).toBe(0); // no plans yet
    const json = await (await fetch(`${server.url}/api/v2/scheduled-maintenances/upcoming.json`)).json();
    expect(json.scheduled_maintenances.map((m: any) => m.id)).toContain(maintenanceId);
    await within(5000, async () => emails().some((e) => e.includes('To: everything@example.com') && e.includes('Database upgrade')));

    for (const [status, message] of [
      ['in_progress', 'Started.'],
      ['completed', 'Done: all good.'],
    ]) {
      await page.selectOption('#f-update-status', status!);
      await page.fill('#f-update-body', message!);
      await page.click('button:has-text("Post update")');
      expect(await page.locator('.done').innerText()).toBe('Saved.');
    }
    expect(await page.locator('main .meta').first().innerText()).toMatch(/^Completed/);
    const pub = await open(owner, `/maintenances/${maintenanceId}`);
    expect(await pub.locator('main').innerText()).toContain('Done: all good.');
  });

  test('cancelling an upcoming one', async () => {
    const m = await admin('POST', '/maintenances', {
      title: 'Cache flush',
      body: 'Short.',
      scheduled_for: new Date(Date.now() + 86_400_000).toISOString(),
      scheduled_until: new Date(Date.now() + 90_000_000).toISOString(),
      component_ids: [web],
    });
    const page = await open(responder, `/admin/maintenances/${m.id}`);
    await page.fill('#f-cancel-body', 'Not needed after all.');
    await page.click('button:has-text("Cancel this maintenance")');
    expect(await page.locator('main .meta').first().innerText()).toMatch(/^Cancelled/);
  });
});

describe('customers and SLA plans', () => {
  test('a plan is created with its ladder (table and chart); a ladder that contradicts itself is refused beside it', async () => {
    const page = await open(owner, '/admin/sla-plans/new');
    await page.fill('#f-name', 'Gold');
    await page.fill('#f-target', '99.9');
    await page.fill('#f-l0-ladder-0-below', '99.9');
    await page.fill('#f-l0-ladder-0-credit', '10');
    await page.fill('#f-l1-ladder-1-below', '99.95'); // not descending
    await page.fill('#f-l1-ladder-1-credit', '25');
    await page.click('button:has-text("Create plan")');
    expect(await page.locator('.form-error').innerText()).toMatch(/ladder/);
    expect(await count(sql`SELECT count(*) AS n FROM sla_plans`)).toBe(0);
    await page.fill('#f-l1-ladder-1-below', '99.0');
    await page.click('button:has-text("Create plan")');
    await page.waitForURL(/\/admin\/sla-plans\/\w+\?saved=1$/);
    planId = new URL(page.url()).pathname.split('/').pop()!;
    expect(await page.locator('table tbody tr').allInnerTexts()).toEqual(['99.9 %\t10 %', '99 %\t25 %']);
    expect(await page.locator('svg[aria-label="Credit owed by availability"] polyline').count()).toBe(1);
    // Maintenance announced 4 days ahead is excluded under a 48 h notice plan.
    const m = await open(owner, `/admin/maintenances/${maintenanceId}`);
    expect(await m.locator('[data-plan="Gold"]').innerText()).toBe('Gold: excluded from availability (needs 48 h notice)');
  });

  test('a customer is created; its page shows the period so far, past periods and a statement preview', async () => {
    const page = await open(owner, '/admin/customers');
    await page.fill('#f-name', 'Globex');
    await page.fill('#f-contacts', 'ops@globex.example, not-an-address');
    await page.selectOption('#f-plan_id', planId);
    await page.check(`input[name="component_ids"][value="${api}"]`);
    await page.click('button:has-text("Create customer")');
    expect(await page.locator('#f-contacts-error').innerText()).toBe('not an email address');
    await page.fill('#f-contacts', 'ops@globex.example');
    await page.click('button:has-text("Create customer")');
    await page.waitForURL(/\/admin\/customers\/\w+\?saved=1$/);
    customerId = new URL(page.url()).pathname.split('/').pop()!;
    expect(await page.locator('[data-current]').innerText()).toMatch(/availability \d+(\.\d+)? %, \d+ min of downtime, credit so far 0 %/);
    await page.click('table a:has-text("Preview") >> nth=0');
    expect(await page.locator('#statement h3').innerText()).toMatch(/^Your service statement for \w+ \d{4}$/);
    expect(await page.locator('#statement pre').innerText()).toContain('Globex');
    const list = await open(viewer, '/admin/customers');
    expect(await list.locator('[data-customer="Globex"]').innerText()).toContain('Gold');
    expect(await list.locator('form[method="post"]').count()).toBe(1); // only sign-out
  });
});

describe('subscribers', () => {
  test('add, find, remove; an import with a bad line reports it by line and imports nothing; the export re-imports to the same data', async () => {
    const page = await open(owner, '/admin/subscribers');
    await page.fill('#f-add-email', 'api-only@example.com');
    await page.check(`input[name="component_ids"][value="${api}"]`);
    await page.click('button:has-text("Add subscriber")');
    expect(await page.locator('.done').innerText()).toBe('Subscriber added.');

    await page.fill('#f-import-csv', `email,component_ids,confirmed\nalpha@example.com,${web},true\nnot-an-address,,true\nbeta@example.com,,false\n`);
    await page.click('button:has-text("Import")');
    expect(await page.locator('[data-import-report]').innerText()).toContain('Line 3: email: not an email address');
    expect(await count(sql`SELECT count(*) AS n FROM subscribers WHERE email IN ('alpha@example.com', 'beta@example.com')`)).toBe(0);
    await page.fill('#f-import-csv', `email,component_ids,confirmed\nalpha@example.com,${web},true\nbeta@example.com,,false\n`);
    await page.click('button:has-text("Import")');
    expect(await page.locator('.done').innerText()).toBe('Imported 2; 0 already subscribed or repeated.');

    await page.goto(`${server.url}/admin/subscribers?component_id=${web}`);
    const webReaders = await page.locator('[data-subscriber]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-subscriber')));
    expect(webReaders.sort()).toEqual(['alpha@example.com', 'beta@example.com', 'everything@example.com']);
    await page.goto(`${server.url}/admin/subscribers?email=api-only`);
    expect(await page.locator('[data-subscriber]').count()).toBe(1);
    const counts = await open(owner, '/admin/subscribers/counts');
    expect(await counts.locator(`[data-component="${api}"] td`).last().innerText()).toBe('2'); // everything@ + api-only@
    expect(await counts.locator(`[data-component="${web}"] td`).last().innerText()).toBe('2'); // everything@ + alpha@ (beta unconfirmed)

    const exported = await (await owner.request.get(`${server.url}/admin/subscribers/export.csv`)).text();
    const list = () => admin('GET', '/subscribers?limit=100').then((r) => r.data.map((s: any) => [s.email, s.component_ids, s.confirmed_at !== null]));
    const before = await list();
    for (const s of (await admin('GET', '/subscribers?limit=100')).data) await admin('DELETE', `/subscribers/${s.id}`);
    expect(await list()).toEqual([]);
    const again = await open(owner, '/admin/subscribers');
    await again.fill('#f-import-csv', exported);
    await again.click('button:has-text("Import")');
    expect(await list()).toEqual(before);

    await page.goto(`${server.url}/admin/subscribers?email=api-only`);
    await page.click('button[aria-label="Remove api-only@example.com"]');
    expect(await page.locator('.done').innerText()).toBe('Subscriber removed.');
    expect(await count(sql`SELECT count(*) AS n FROM subscribers WHERE email = 'api-only@example.com'`)).toBe(0);
    const r = await open(responder, '/admin/subscribers');
    expect(await r.locator('#f-add-email').count()).toBe(0);
  });
});

describe('webhook subscribers and integrations', () => {
  test('a webhook is added with its signing secret shown once; a paused one shows why and is resumed', async () => {
    const page = await open(owner, '/admin/subscribers');
    await page.selectOption('#f-add-type', 'webhook');
    await page.fill('#f-add-email', 'hooks@example.com');
    await page.fill('#f-add-endpoint', 'http://10.1.2.3/hook');
    await page.uncheck('input[name="confirmed"]');
    await page.click('button:has-text("Add subscriber")');
    expect(await page.locator('#f-add-endpoint-error').innerText()).toContain('private, loopback or link-local');
    expect(await count(sql`SELECT count(*) AS n FROM subscribers WHERE type = 'webhook'`)).toBe(0);
    await page.fill('#f-add-endpoint', 'https://hooks.example.com/candor');
    await page.click('button:has-text("Add subscriber")');
    const secret = await page.locator('[data-signing-secret] p:last-child code').innerText();
    expect(secret).toMatch(/^whsec_/);
    await page.goto(`${server.url}/admin/subscribers?email=hooks@`);
    expect(await page.locator('main').innerText()).not.toContain(secret);
    expect(await page.locator('[data-subscriber="hooks@example.com"]').innerText()).toContain('Webhook https://hooks.example.com/candor');

    await fixture.database.client.execute(
      "UPDATE subscribers SET paused_at = 1, consecutive_failures = 10, last_error = '410: HTTP 410' WHERE type = 'webhook'",
    );
    await page.reload();
    expect(await page.locator('[data-subscriber="hooks@example.com"]').innerText()).toContain('paused: 410: HTTP 410');
    await page.click('button[aria-label="Resume deliveries to https://hooks.example.com/candor"]');
    expect(await page.locator('.done').innerText()).toBe('Subscriber resumed.');
    expect(await count(sql`SELECT count(*) AS n FROM subscribers WHERE type = 'webhook' AND paused_at IS NULL AND consecutive_failures = 0`)).toBe(1);
    await admin('DELETE', `/subscribers/${(await admin('GET', '/subscribers?email=hooks@')).data[0].id}`);
  });

  test('an integration is created with its URL shown once; an alert posted there moves the component; disabled, its URL is refused', async () => {
    const page = await open(owner, '/admin/integrations');
    await page.fill('#f-new-name', 'Prometheus');
    await page.fill('#f-new-min_hold_seconds', '0');
    await page.click('button:has-text("Create integration")');
    const url = await page.locator('[data-integration-url] code').innerText();
    expect(url).toMatch(/\/api\/integrations\/alertmanager\/[\w-]{43}$/);
    const alert = (status: string) => ({
      version: '4',
      alerts: [
        {
          status,
          labels: { alertname: 'WebDown', candor_component: 'Web', severity: 'warning' },
          annotations: {},
          startsAt: new Date().toISOString(),
          fingerprint: 'web-down',
        },
      ],
    });
    const post = (body: unknown) =>
      fetch(url.replace(/^https?:\/\/[^/]+/, server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(alert('firing'))).status).toBe(200);
    expect((await admin('GET', `/components/${web}`)).status).toBe('partial_outage');
    expect((await post(alert('resolved'))).status).toBe(200);
    expect((await admin('GET', `/components/${web}`)).status).toBe('operational');
    await page.goto(`${server.url}/admin/integrations`);
    expect(await page.locator('main').innerText()).not.toContain(url.split('/').pop()!);
    await page.click('button[aria-label="Disable Prometheus"]');
    expect(await page.locator('.done').innerText()).toBe('Integration disabled.');
    expect((await post(alert('firing'))).status).toBe(401);
    const viewing = await open(viewer, '/admin/integrations');
    expect(await viewing.locator('[data-integration="Prometheus"]').count()).toBe(1);
    expect(await viewing.locator('#f-new-name').count()).toBe(0);
  });
});

describe('outbox', () => {
  test('shows what each update sent and why an email failed; retrying queues it again', async () => {
    const incident = await admin('POST', '/incidents', {
      title: 'API errors',
      severity: 'SEV-2',
      body: 'Looking.',
      components: [{ id: api, status: 'partial_outage' }],
    });
    await within(5000, async () => (await count(sql`SELECT count(*) AS n FROM outbox WHERE event_key LIKE 'incident_update:%' AND status = 'sent'`)) >= 1);
    await fixture.database.db.run(
      sql`UPDATE outbox SET status = 'failed', last_error = '422: invalid recipient' WHERE recipient = 'everything@example.com' AND event_key LIKE 'incident_update:%'`,
    );
    const page = await open(owner, '/admin/outbox');
    const row = page.locator(`[data-update="${incident.updates[0].id}"]`);
    expect(await row.innerText()).toContain('API errors');
    expect(await page.locator('[data-failed="everything@example.com"]').innerText()).toContain('422: invalid recipient');
    await page.check('[data-failed="everything@example.com"] input');
    await page.click('button:has-text("Retry the ticked ones")');
    expect(await page.locator('.done').innerText()).toBe('1 email(s) queued again.');
    await within(
      5000,
      async () =>
        (await count(
          sql`SELECT count(*) AS n FROM outbox WHERE recipient = 'everything@example.com' AND event_key LIKE 'incident_update:%' AND status = 'sent'`,
        )) >= 1,
    );
    await admin('POST', `/incidents/${incident.id}/updates`, { status: 'resolved', body: 'Fixed.' });
  });
});

describe('a customer’s emails', () => {
  test('the customer’s page lists the incident emails it was sent, each with a preview', async () => {
    const page = await open(viewer, `/admin/customers/${customerId}`);
    const items = await page.locator('[data-email]').evaluateAll((li) => li.map((l) => l.getAttribute('data-email')!.split(':')[1]));
    expect(items.sort()).toEqual(['notice', 'resolution']);
    await page.click('[data-email$=":resolution"] a:has-text("preview")');
    expect(await page.locator('#email-preview h3').innerText()).toBe('Resolved: API errors');
    expect(await page.locator('#email-preview pre').innerText()).toContain('Hello Globex');
  });
});

describe('policy', () => {
  test('edited with a preview in plain words; a half-set rule is refused beside its field', async () => {
    const page = await open(owner, '/admin/policy');
    expect(await page.locator('[data-example="SEV-1"]').innerText()).toContain('A SEV-1 declared at 10:00 UTC owes its first public update by 10:20 UTC');
    await page.fill('#f-SEV-2-SEV-2-every_minutes', '45');
    await page.click('button:has-text("Preview in words")');
    expect(await page.locator('[data-example="SEV-2"]').innerText()).toContain('then one at least every 45 min');
    expect((await admin('GET', '/policy')).severities['SEV-2'].every_minutes).toBe(60);
    await page.fill('#f-SEV-2-SEV-2-every_minutes', '');
    await page.click('button:has-text("Save policy")');
    expect(await page.locator('#f-SEV-2-SEV-2-every_minutes-error').innerText()).toBe('set both first_update_minutes and every_minutes, or neither');
    await page.fill('#f-SEV-2-SEV-2-every_minutes', '45');
    await page.click('button:has-text("Save policy")');
    expect(await page.locator('.done').innerText()).toContain('Saved.');
    expect((await admin('GET', '/policy')).severities['SEV-2'].every_minutes).toBe(45);
    const r = await open(responder, '/admin/policy');
    expect(await r.locator('text=Save policy').count()).toBe(0);
  });
});

describe('reports', () => {
  test('communication and SLA as tables, charts and CSV', async () => {
    const page = await open(viewer, '/admin/reports');
    expect(await page.locator('[data-report="communication"] [data-severity="SEV-2"]').innerText()).toMatch(/^SEV-2\t1\t/);
    expect(await page.locator('svg[aria-label="Public updates on time, per severity (%)"] rect').count()).toBe(
      await page.locator('[data-report="communication"] tbody tr').count(),
    );
    expect(await page.locator('[data-report="sla"] [data-customer="Globex"]').innerText()).toContain('Gold');
    const communication = await (await viewer.request.get(`${server.url}/admin/reports/communication.csv`)).text();
    expect(communication.split('\n')[0]).toContain('minutes_to_first_public_update');
    expect(communication).toContain('API errors');
    const slaCsv = await (await viewer.request.get(`${server.url}/admin/reports/sla.csv`)).text();
    expect(slaCsv.split('\n')[1]).toMatch(/^Globex,Gold,99\.9,/);
    await page.goto(`${server.url}/admin/reports?period=2026-13`);
    expect(await page.locator('#f-period-error').innerText()).toBe('must be a month as YYYY-MM');
  });
});

describe('settings and audit', () => {
  test('an API key is created (shown once), works, and is revoked; the audit log shows who did each thing', async () => {
    const page = await open(owner, '/admin/settings');
    await page.fill('#f-name', 'deploy-bot');
    await page.selectOption('#f-scope', 'incidents:write');
    await page.click('button:has-text("Create key")');
    const secret = await page.locator('[data-secret]').innerText();
    const call = () => fetch(`${server.url}/api/admin/v1/incidents`, { headers: { authorization: `Bearer ${secret}` } });
    expect((await call()).status).toBe(200);
    await page.goto(`${server.url}/admin/settings`);
    expect(await page.locator('[data-secret]').count()).toBe(0);
    await page.click('button[aria-label="Revoke deploy-bot"]');
    expect((await call()).status).toBe(401);

    const audit = await open(owner, '/admin/audit?action=api_key.&actor=owner%40example.com');
    expect(await audit.locator('[data-audit]').allInnerTexts()).toEqual([
      expect.stringMatching(/owner@example\.com\tapi_key\.revoke\tapi_key \w+/),
      expect.stringMatching(/owner@example\.com\tapi_key\.create\tapi_key \w+/),
    ]);
    await audit.goto(`${server.url}/admin/audit?actor=responder@example.com`);
    const actions = await audit.locator('[data-audit]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-audit')));
    expect(actions).toContain('maintenance.schedule');
    await audit.click('[data-audit="maintenance.schedule"] a');
    expect(audit.url()).toMatch(/\/admin\/maintenances\/\w+$/);
    const viaApi = await admin('GET', '/audit?action=subscriber.import&limit=5');
    // The import, then the re-import of its export (the two added in between included).
    expect(viaApi.data.map((a: any) => [a.actor, a.user_id !== null, a.detail])).toEqual([
      ['owner@example.com', true, { imported: 4, unchanged: 0 }],
      ['owner@example.com', true, { imported: 2, unchanged: 0 }],
    ]);
  });

  test('brand colour, sender and the emails’ time zone: refused beside the field when wrong, then on the page and in the next email', async () => {
    const page = await open(owner, '/admin/settings');
    await page.fill('#f-brand_color', '#ffdd00');
    await page.click('button:has-text("Save settings")');
    expect(await page.locator('#f-brand_color-error').innerText()).toMatch(/^too light for white text/);
    await page.fill('#f-brand_color', '#0a3069');
    // A file that is not an image is refused beside the field, whatever the browser calls it.
    await page.setInputFiles('#f-logo', { name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('<svg onload="alert(1)"/>') });
    await page.click('button:has-text("Save settings")');
    expect(await page.locator('#f-logo ~ .field-error').innerText()).toBe('a PNG, JPEG or WebP image');
    await page.setInputFiles('#f-logo', { name: 'logo.png', mimeType: 'image/png', buffer: PNG });
    await page.fill('#f-email_from', 'Acme Ops <ops@acme.example>');
    await page.selectOption('#f-zone', 'Europe/Berlin');
    await page.click('button:has-text("Save settings")');
    expect(await page.locator('.done').first().innerText()).toContain('Saved.');

    // Every instance follows within a pulse: the public page gets the band, emails the sender and zone.
    await within(5000, async () => (await (await fetch(server.url)).text()).includes('/brand.css?v=0a3069'));
    expect(await (await fetch(`${server.url}/brand.css?v=0a3069`)).text()).toContain('--brand: #0a3069');
    const pub = await (await browser.newContext()).newPage();
    await pub.goto(server.url);
    expect(await pub.locator('.site-header').evaluate((e) => getComputedStyle(e).borderTopColor)).toBe('rgb(10, 48, 105)');
    const logo = await pub.locator('.site-logo').getAttribute('src');
    const served = await fetch(`${server.url}${logo}`);
    expect([served.status, served.headers.get('content-type'), Buffer.from(await served.arrayBuffer()).equals(PNG)]).toEqual([200, 'image/png', true]);
    const incident = await admin('POST', '/incidents', {
      title: 'Web slow',
      severity: 'SEV-2',
      body: 'Looking.',
      components: [{ id: web, status: 'degraded_performance' }],
    });
    let email = '';
    await within(5000, async () => {
      email = emails().find((e) => e.includes('Subject: [Investigating] Web slow')) ?? '';
      return email !== '';
    });
    expect(email).toMatch(/^From: Acme Ops <ops@acme\.example>\r?$/m);
    // The brand is at the top of the email: the band and the logo (the page's own URL).
    const html = email.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    expect(html).toContain('background:#0a3069');
    expect(html).toMatch(/<img src="http:\/\/127\.0\.0\.1:\d+\/brand\/logo\?v=\w{16}" alt="Acme"/);
    const started = new Date(incident.started_at);
    const berlin = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin', dateStyle: 'short', timeStyle: 'short' }).format(started);
    expect(email).toContain(`Started ${berlin} Europe/Berlin (${incident.started_at.slice(11, 16)} UTC)`);
    await admin('POST', `/incidents/${incident.id}/updates`, { status: 'resolved', body: 'Fine.' });
  });

  test('the page name and public URL are recorded for the next start, checked first', async () => {
    const page = await open(owner, '/admin/settings');
    await page.fill('#f-page_name', 'Acme Status');
    await page.fill('#f-public_url', 'status.acme.example');
    await page.click('button:has-text("Record page name and URL")');
    expect(await page.locator('#f-public_url-error').innerText()).toBe('an absolute http:// or https:// URL');
    await page.fill('#f-public_url', 'https://status.acme.example/');
    await page.click('button:has-text("Record page name and URL")');
    expect(await page.locator('.done').first().innerText()).toMatch(/^Recorded\. Restart each instance/);
    const rows = await fixture.database.db.all<{ key: string; value: string }>(
      sql`SELECT key, value FROM settings WHERE key IN ('shared.page_name', 'shared.public_url') ORDER BY key`,
    );
    expect(rows).toEqual([
      { key: 'shared.page_name', value: 'Acme Status' },
      { key: 'shared.public_url', value: 'https://status.acme.example' },
    ]);
  });

  test('a responder cannot change settings or users, and a viewer changes nothing', async () => {
    for (const path of ['/admin/settings', '/admin/users', '/admin/audit']) {
      const page = await open(responder, path);
      expect({ path, refused: await page.locator('.form-error').innerText() }).toEqual({ path, refused: expect.stringMatching(/^Only an owner/) });
    }
    const page = await open(viewer, `/admin/maintenances/${maintenanceId}`);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const forged = await viewer.request.post(`${server.url}/admin/maintenances`, {
      headers: { origin: server.url },
      form: { _csrf: csrf, title: 'x', body: 'y', scheduled_for: '2030-01-01T10:00', scheduled_until: '2030-01-01T11:00', zone: 'UTC' },
    });
    expect(forged.status()).toBe(403);
    const key = await viewer.request.post(`${server.url}/admin/settings`, {
      headers: { origin: server.url },
      form: { _csrf: csrf, form: 'create-key', name: 'x', scope: 'admin' },
    });
    expect(key.status()).toBe(403);
    expect(await count(sql`SELECT count(*) AS n FROM api_keys WHERE name = 'x'`)).toBe(0);
  });
});

describe('every screen', () => {
  const paths = () => [
    '/admin/maintenances',
    `/admin/maintenances/${maintenanceId}`,
    '/admin/subscribers',
    '/admin/subscribers/counts',
    '/admin/outbox',
    '/admin/customers',
    `/admin/customers/${customerId}`,
    `/admin/sla-plans/${planId}`,
    '/admin/sla-plans/new',
    '/admin/reports',
    '/admin/policy',
    '/admin/settings',
    '/admin/audit',
    '/admin/integrations',
  ];
  for (const colorScheme of ['light', 'dark'] as const) {
    test(`axe finds no violations (${colorScheme})`, async () => {
      const context = await browser.newContext({ colorScheme, storageState: await owner.storageState() });
      const page = await context.newPage();
      for (const path of paths()) {
        await page.goto(`${server.url}${path}`);
        expect({ path, violations: await axeViolations(page) }).toEqual({ path, violations: [] });
      }
      await context.close();
    });
  }
  test('nothing overflows sideways at 360 px', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, storageState: await owner.storageState() });
    const page = await context.newPage();
    for (const path of paths()) {
      await page.goto(`${server.url}${path}`);
      const wide = await page.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > 361 && !e.parentElement?.closest('.table-wrap'))
          .map((e) => e.outerHTML.slice(0, 120)),
      );
      expect({ path, width: await page.evaluate(() => document.documentElement.scrollWidth), wide: wide.slice(0, 3) }).toEqual({ path, width: 360, wide: [] });
    }
    await context.close();
  });
});
