import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations, launchChromium } from '../helpers/browser.ts';
import { SYSTEM_ACTOR } from '../../api/services/context.ts';
import { createUser } from '../../api/services/users/users.ts';
import { createSiteFixture, reportTrouble, startServer, within, type RunningServer } from '../helpers/server.ts';

// Each test walks many pages in a real browser; on a loaded two-core CI machine that takes a while.
vi.setConfig({ testTimeout: 60_000 });

// The console end to end, in Chromium, on the real server: the first owner from the CLI, sign-in
// by the emailed link, an invited responder running an incident from a template to its
// resolution, the deadline and the policy's refusal, roles, CSRF, no JavaScript, axe, 360 px.
let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
let server: RunningServer;
let browser: Browser;
let outboxDir: string;
let api: string;
let owner: BrowserContext;
let responder: BrowserContext;
let viewer: BrowserContext;
let incidentId = '';
let templateId = '';

const run = promisify(execFile);
const emails = () => readdirSync(outboxDir).map((f) => readFileSync(join(outboxDir, f), 'utf8'));
/** A sign-in link as the recipient's mail client shows it, pointed at this server. */
const linkIn = (text: string) =>
  /https?:\/\/[^\s"<>]+\/admin\/sign-in\/link\?token=[\w-]+/.exec(text.replace(/=\r?\n/g, ''))![0].replace(/^https?:\/\/[^/]+/, server.url);
const emailTo = async (address: string, subject: string) => {
  let found = '';
  await within(5000, async () => {
    found = emails().find((e) => e.includes(`To: ${address}`) && e.includes(`Subject: ${subject}`)) ?? '';
    return found !== '';
  });
  return found;
};

async function signInByLink(context: BrowserContext, link: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(link);
  // The link alone signs nobody in (a mail scanner may open it): the button does.
  await page.click('button[type="submit"]');
  await page.waitForURL(/\/admin\/account\?welcome=1$/);
  return page;
}

async function postUpdate(page: Page, fields: { status: string; body: string; next?: string }) {
  await page.goto(`${server.url}/admin/incidents/${incidentId}`);
  await page.selectOption('#f-status', fields.status);
  await page.fill('#f-body', fields.body);
  if (fields.next) await page.fill('#f-next_update_at', fields.next);
  await page.click('button[value="send"]');
}

const publicJson = async (path: string) => (await fetch(`${server.url}${path}`)).json() as Promise<any>;

beforeAll(async () => {
  fixture = await createSiteFixture();
  outboxDir = mkdtempSync(join(tmpdir(), 'candor-console-'));
  server = await startServer({ DATABASE_URL: fixture.databaseUrl, CANDOR_OUTBOX_DIR: outboxDir, CANDOR_PAGE_NAME: 'Acme' });
  api = (await fixture.admin(server)('POST', '/components', { name: 'API' })).id;
  await fixture.admin(server)('POST', '/components', { name: 'Web' });
  await fixture.admin(server)('POST', '/subscribers', { email: 'reader@example.com', confirmed: true });
  browser = await launchChromium();
  [owner, responder, viewer] = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
}, 60_000);
afterAll(async () => {
  if (server) reportTrouble(server);
  await browser?.close();
  await server?.stop();
  fixture?.cleanup();
  rmSync(outboxDir, { recursive: true, force: true });
});

describe('running an incident from the console', () => {
  test('the server says how to create the first owner; the CLI prints a link that signs them in', async () => {
    expect(server.log.join('\n')).toContain('npm run candor -- users create --email YOU@EXAMPLE.COM --role owner');
    const { stdout } = await run(process.execPath, ['api/cli.ts', 'users', 'create', '--email', 'owner@example.com', '--role', 'owner'], {
      env: { ...process.env, DATABASE_URL: fixture.databaseUrl },
    });
    const page = await signInByLink(owner, linkIn(stdout));
    expect(await page.locator('.who').innerText()).toBe('Signed in as owner@example.com (owner)');
    const cookie = (await owner.cookies()).find((c) => c.name === 'candor_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    // The printed link worked once.
    const again = await browser.newContext();
    const second = await again.newPage();
    await second.goto(linkIn(stdout));
    await second.click('button[type="submit"]');
    expect(await second.locator('.form-error').innerText()).toContain('expired or was already used');
    await again.close();
  });

  test('the owner invites a responder and a viewer, who sign in by the emailed link', async () => {
    const page = await owner.newPage();
    for (const [email, role] of [
      ['responder@example.com', 'responder'],
      ['viewer@example.com', 'viewer'],
    ]) {
      await page.goto(`${server.url}/admin/users`);
      await page.fill('#f-email', email!);
      await page.selectOption('#f-role', role!);
      await page.click('text=Send invitation');
      expect(await page.locator('.done').innerText()).toContain(`Invitation sent to ${email}`);
    }
    const invitation = await emailTo('responder@example.com', "You are invited to Acme's status console");
    const r = await signInByLink(responder, linkIn(invitation));
    // The responder sets a password for next time.
    await r.fill('#f-password', 'correct horse battery');
    await r.fill('#f-confirm', 'correct horse battery');
    await r.click('text=Save password');
    expect(await r.locator('.done').innerText()).toContain('Password saved');
    await signInByLink(viewer, linkIn(await emailTo('viewer@example.com', "You are invited to Acme's status console")));
  });

  test('the responder declares from a template, and the public page and JSON follow', async () => {
    const page = await responder.newPage();
    await page.goto(`${server.url}/admin/templates`);
    await page.fill('#f-name', 'API outage');
    await page.fill('#f-title', 'API requests failing');
    await page.selectOption('#f-severity', 'SEV-1');
    await page.selectOption(`#component-${api}`, 'major_outage');
    await page.fill('#f-body', 'We are investigating failing API requests.');
    await page.click('text=Create template');
    expect(await page.locator('.done').innerText()).toBe('Saved.');
    await page.click('text=Declare from it');
    templateId = new URL(page.url()).searchParams.get('template')!;
    // The template fills the form; the policy of its severity is shown beside the choice.
    expect(await page.inputValue('#f-title')).toBe('API requests failing');
    expect(await page.inputValue(`#component-${api}`)).toBe('major_outage');
    expect(await page.locator('tr[data-policy-row="SEV-1"][data-chosen]').innerText()).toContain('First public update within 20 min');
    await page.click('button:has-text("Declare")');
    await page.waitForURL(/\/admin\/incidents\/\w+\?declared=1$/);
    incidentId = new URL(page.url()).pathname.split('/').pop()!;
    expect(await page.locator('.deadline').first().innerText()).toMatch(/Next public update due .+: due in (29 min|30 min)/);

    await within(5000, async () => (await publicJson('/api/v2/incidents/unresolved.json')).incidents.some((i: any) => i.id === incidentId));
    const summary = await publicJson('/api/v2/summary.json');
    expect(summary.components.find((c: any) => c.id === api).status).toBe('major_outage');
    const home = await (await browser.newContext()).newPage();
    await home.goto(server.url);
    expect(await home.locator('main').innerText()).toContain('API requests failing');
  });

  test('before posting, the console shows what goes out; then identified and monitoring are posted', async () => {
    const page = await responder.newPage();
    await page.goto(`${server.url}/admin/incidents/${incidentId}`);
    await page.selectOption('#f-status', 'identified');
    // As the message is typed, the preview follows (the same server-side preview as the button).
    await page.locator('#f-body').pressSequentially('A **bad deploy**; rolling back.');
    await within(
      5000,
      async () =>
        (await page.locator('#update-preview .update-body').count()) === 1 &&
        (await page.locator('#update-preview .update-body').innerText()).endsWith('rolling back.'),
    );
    expect(await page.locator('#update-preview .update-body').innerHTML()).toBe('<p>A <strong>bad deploy</strong>; rolling back.</p>\n');
    expect(await page.locator('[data-subscribers]').innerText()).toBe('1 subscriber gets an email.');
    // The preview keeps what was typed: sending it now posts it.
    await page.click('button[value="send"]');
    expect(await page.locator('.done').innerText()).toBe('Update posted.');
    await postUpdate(page, { status: 'monitoring', body: 'Rolled back; watching error rates.' });
    const timeline = page.locator('.timeline > li');
    expect(await timeline.count()).toBe(3);
    expect(await timeline.first().innerText()).toMatch(/Monitoring[\s\S]*responder@example\.com[\s\S]*deadline met/);
    await within(5000, async () => (await publicJson(`/api/v2/incidents.json`)).incidents.find((i: any) => i.id === incidentId)?.status === 'monitoring');
  });

  test('an internal note shows on the console timeline, marked internal, and nowhere public', async () => {
    const page = await responder.newPage();
    await page.goto(`${server.url}/admin/incidents/${incidentId}`);
    await page.fill('#f-note-body', 'Paged the database team.');
    await page.click('text=Add note');
    const first = page.locator('.timeline > li').first();
    expect(await first.innerText()).toMatch(/^Note\s+INTERNAL/);
    expect(await first.innerText()).toContain('Paged the database team.');
    const pub = await (await browser.newContext()).newPage();
    await pub.goto(`${server.url}/incidents/${incidentId}`);
    expect(await pub.locator('main').innerText()).toContain('Rolled back; watching error rates.');
    expect(await pub.locator('main').innerText()).not.toContain('Paged the database team');
  });

  test('the deadline shows overdue once passed, and a later promise than the policy allows is refused in its words', async () => {
    await fixture.database.db.run(sql`UPDATE incidents SET next_update_due_at = ${Date.now() - 5 * 60_000} WHERE id = ${incidentId}`);
    const page = await responder.newPage();
    await page.goto(`${server.url}/admin`);
    const card = page.locator(`[data-incident="${incidentId}"] .deadline`);
    expect(await card.getAttribute('data-overdue')).toBe('true');
    expect(await card.innerText()).toMatch(/overdue by 5 min/);

    await page.goto(`${server.url}/admin/incidents/${incidentId}`);
    expect(await page.locator('#f-next_update_at-hint').innerText()).toMatch(
      /The policy allows .* at the latest \(SEV-1: then a public update at least every 30 min\)/,
    );
    const late = new Date(Date.now() + 3 * 60 * 60_000).toISOString().slice(0, 16);
    await postUpdate(page, { status: 'monitoring', body: 'Still watching.', next: late });
    expect(await page.locator('#f-next_update_at-error').innerText()).toMatch(/must be no later than .* \(SEV-1: at least every 30 min\)/);
    expect(await page.locator('#f-body').inputValue()).toBe('Still watching.');
    expect((await fixture.database.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM incident_updates WHERE incident_id = ${incidentId}`))!.n).toBe(4);
  });

  test('a viewer sees no way to post, and a post anyway is refused with nothing written', async () => {
    const page = await viewer.newPage();
    await page.goto(`${server.url}/admin`);
    expect(await page.locator(`[data-incident="${incidentId}"]`).innerText()).not.toContain('Post the next update');
    await page.goto(`${server.url}/admin/incidents/${incidentId}`);
    expect(await page.locator('#post-update').count()).toBe(0);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const status = await page.evaluate(
      async ([id, token]) =>
        (
          await fetch(`/admin/incidents/${id}`, {
            method: 'POST',
            body: new URLSearchParams({ _csrf: token!, form: 'update', intent: 'send', status: 'resolved', body: 'x' }),
          })
        ).status,
      [incidentId, csrf],
    );
    expect(status).toBe(403);
    expect((await fixture.database.db.get<{ s: string }>(sql`SELECT status AS s FROM incidents WHERE id = ${incidentId}`))!.s).toBe('monitoring');
  });

  test('a form posted from another site is refused, and so is one without the session’s token', async () => {
    const forged = await fetch(`${server.url}/admin/incidents/${incidentId}`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'form=update&status=resolved&body=x',
    });
    expect(forged.status).toBe(403);
    expect((await forged.json()).code).toBe('cross_origin');
    const page = await responder.newPage();
    await page.goto(`${server.url}/admin`);
    const status = await page.evaluate(
      async (id) =>
        (
          await fetch(`/admin/incidents/${id}`, {
            method: 'POST',
            body: new URLSearchParams({ _csrf: 'guessed', form: 'update', status: 'resolved', body: 'x' }),
          })
        ).status,
      incidentId,
    );
    expect(status).toBe(403);
    expect((await fixture.database.db.get<{ s: string }>(sql`SELECT status AS s FROM incidents WHERE id = ${incidentId}`))!.s).toBe('monitoring');
  });

  test.each(['/admin/sign-in', '/admin/sign-in/link'])('%s: a body that is not a readable form is a 400 page, nothing sent', async (path) => {
    for (const [type, body] of [
      ['multipart/form-data; boundary=x', 'garbage'],
      ['application/json', '{"email":"owner@example.com"}'],
    ]) {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { origin: server.url, 'content-type': type! }, body });
      expect({ type, status: res.status, text: await res.text() }).toMatchObject({
        type,
        status: 400,
        text: expect.stringContaining('This form could not be read'),
      });
    }
  });

  test('the responder resolves; the page and JSON say so, subscribers are told', async () => {
    const page = await responder.newPage();
    await postUpdate(page, { status: 'resolved', body: 'Fixed: the deploy is rolled back.' });
    expect(await page.locator('.done').innerText()).toBe('Update posted.');
    await within(5000, async () => (await publicJson('/api/v2/incidents/unresolved.json')).incidents.length === 0);
    expect((await publicJson('/api/v2/summary.json')).components.find((c: any) => c.id === api).status).toBe('operational');
    await emailTo('reader@example.com', '[Resolved] API requests failing');
    // The incident page counts what each update sent.
    await within(5000, async () => {
      await page.reload();
      return (await page.locator('.timeline > li').first().innerText()).includes('emails: 1 sent');
    });
    // The audit log names the person, not a key.
    const audit = await fixture.database.db.all<{ actor: string; user_id: string | null }>(
      sql`SELECT actor, user_id FROM audit_log WHERE resource_id = ${incidentId} AND action = 'incident.update'`,
    );
    expect(audit).toHaveLength(3);
    expect(audit.every((a) => a.actor === 'responder@example.com' && a.user_id !== null)).toBe(true);
  });
});

describe('behind https', () => {
  test('the session cookie is __Host-, Secure, HttpOnly and SameSite=Lax', async () => {
    const site = await createSiteFixture();
    const https = await startServer({ DATABASE_URL: site.databaseUrl, CANDOR_OUTBOX_DIR: outboxDir, CANDOR_PUBLIC_URL: 'https://status.example.test' });
    try {
      const ctx = { database: site.database, now: () => new Date() };
      const { link } = await createUser(
        ctx,
        SYSTEM_ACTOR,
        { email: 'o@example.com', role: 'owner' },
        { publicUrl: 'https://status.example.test', email: false },
      );
      const res = await fetch(`${https.url}/admin/sign-in/link`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: https.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: new URL(link).searchParams.get('token')! }),
      });
      expect(res.status).toBe(303);
      const cookie = res.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^__Host-candor_session=[\w-]{43}; /);
      expect(cookie.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=1209600', 'Path=/', 'SameSite=Lax', 'Secure']);
    } finally {
      await https.stop();
      site.cleanup();
    }
  });
});

describe('components and groups', () => {
  test('the owner creates, edits, reorders and archives; a refused edit says why beside the field; a responder only reads', async () => {
    const page = await owner.newPage();
    await page.goto(`${server.url}/admin/components`);
    await page.fill('#f-new-group-name', 'Platform');
    await page.click('text=Create group');
    await page.fill('#f-new-name', 'Billing');
    await page.selectOption('#f-new-group_id', { label: 'Platform' });
    await page.fill('#f-new-position', '0');
    await page.click('text=Create component');
    expect(await page.locator('.done').innerText()).toBe('Saved.');
    const billing = (await fixture.admin(server)('GET', '/components')).data.find((c: any) => c.name === 'Billing');
    expect(billing).toMatchObject({ position: 0, group_id: expect.any(String) });

    await page.fill(`#f-${billing.id}-name`, '');
    await page.click(`[data-component="${billing.id}"] button[value="save"]`);
    expect(await page.locator(`#f-${billing.id}-name-error`).innerText()).toBe('must not be empty');
    await page.fill(`#f-${billing.id}-name`, 'Billing and invoices');
    await page.fill(`#f-${billing.id}-position`, '9');
    await page.click(`[data-component="${billing.id}"] button[value="save"]`);
    expect(await page.locator('[data-component]').last().locator('h2').innerText()).toBe('Billing and invoices');
    await within(5000, async () => (await publicJson('/api/v2/components.json')).components.some((c: any) => c.name === 'Billing and invoices'));

    await page.click(`[data-component="${billing.id}"] button[value="archive"]`);
    expect(await page.locator(`[data-component="${billing.id}"]`).count()).toBe(0);
    const r = await responder.newPage();
    await r.goto(`${server.url}/admin/components`);
    expect(await r.locator('[data-component] form').count()).toBe(0);
  });
});

describe('after resolution', () => {
  test('the postmortem is previewed, then published; the incident is reopened once', async () => {
    const page = await responder.newPage();
    await page.goto(`${server.url}/admin/incidents/${incidentId}`);
    expect(await page.locator('#postmortem-heading + p').innerText()).toMatch(/^Due \d{4}-\d\d-\d\d|^Due /);
    await page.fill('#f-postmortem-body', '## What happened\nA deploy removed an **index**.');
    await page.click('section[aria-labelledby="postmortem-heading"] button[value="preview"]');
    expect(await page.locator('section[aria-labelledby="postmortem-heading"] .preview h2').innerText()).toBe('What happened');
    await page.check('input[name="publish"]');
    await page.click('section[aria-labelledby="postmortem-heading"] button[value="save"]');
    expect(await page.locator('.done').innerText()).toBe('Saved.');
    await within(5000, async () => (await (await fetch(`${server.url}/incidents/${incidentId}`)).text()).includes('A deploy removed an'));

    await page.selectOption('#f-reopen-status', 'identified');
    await page.fill('#f-reopen-body', 'Errors are back: reopening.');
    await page.click('section[aria-labelledby="reopen-heading"] button');
    expect(await page.locator('.done').innerText()).toBe('Update posted.');
    expect(await page.locator('.timeline > li').first().innerText()).toMatch(/^Reopened: Identified/);
    await postUpdate(page, { status: 'resolved', body: 'Resolved again.' });
    // Once only: the reopen form is gone.
    expect(await page.locator('#reopen-heading').count()).toBe(0);
  });
});

describe('without JavaScript', () => {
  test('sign in with a password, declare, update and resolve', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/admin/incidents/new`);
    await page.waitForURL(/\/admin\/sign-in\?next=/);
    await page.fill('#f-email', 'responder@example.com');
    await page.fill('#f-password', 'wrong password!');
    await page.click('button[value="password"]');
    expect(await page.locator('#f-password-error').innerText()).toBe('wrong email address or password');
    await page.fill('#f-password', 'correct horse battery');
    await page.click('button[value="password"]');
    await page.waitForURL(`${server.url}/admin/incidents/new`);
    // Starting from a template is a plain GET form.
    await page.selectOption('#f-template', { label: 'API outage' });
    await page.click('text=Use template');
    expect(await page.inputValue('#f-title')).toBe('API requests failing');
    await page.fill('#f-title', 'Search is slow');
    await page.selectOption('#f-severity', 'SEV-2');
    await page.selectOption(`#component-${api}`, '');
    await page.fill('#f-body', 'Looking into slow searches.');
    await page.click('button:has-text("Declare")');
    await page.waitForURL(/\/admin\/incidents\/\w+\?declared=1$/);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    await page.selectOption('#f-status', 'identified');
    await page.fill('#f-body', 'Found **the index**.');
    await page.click('button[value="preview"]');
    expect(await page.locator('#update-preview .update-body').innerHTML()).toBe('<p>Found <strong>the index</strong>.</p>\n');
    expect(await page.locator('#f-body').inputValue()).toBe('Found **the index**.');
    for (const status of ['identified', 'resolved']) {
      await page.selectOption('#f-status', status);
      await page.fill('#f-body', `Now ${status}.`);
      await page.click('button[value="send"]');
      expect(await page.locator('.done').innerText()).toBe('Update posted.');
    }
    expect((await fixture.database.db.get<{ s: string }>(sql`SELECT status AS s FROM incidents WHERE id = ${id}`))!.s).toBe('resolved');
    // Sign out ends the session: the console asks to sign in again.
    await page.click('text=Sign out');
    await page.goto(`${server.url}/admin`);
    await page.waitForURL(/\/admin\/sign-in/);
    await context.close();
  });
});

describe('the CLI manages users while the server runs', () => {
  test('users list shows each account; users disable ends that user’s sessions at once', async () => {
    const env = { ...process.env, DATABASE_URL: fixture.databaseUrl };
    const { stdout } = await run(process.execPath, ['api/cli.ts', 'users', 'list'], { env });
    expect(stdout).toMatch(/owner@example\.com\s+owner\s+no password/);
    expect(stdout).toMatch(/responder@example\.com\s+responder\s+password set/);
    const page = await viewer.newPage();
    await page.goto(`${server.url}/admin`);
    expect(page.url()).toBe(`${server.url}/admin`);
    await run(process.execPath, ['api/cli.ts', 'users', 'disable', 'viewer@example.com'], { env });
    await page.goto(`${server.url}/admin`);
    expect(page.url()).toMatch(/\/admin\/sign-in\?next=/);
  });
});

describe('every console page', () => {
  const paths = () => [
    '/admin',
    '/admin/incidents',
    '/admin/incidents/new',
    `/admin/incidents/${incidentId}`,
    '/admin/templates',
    `/admin/templates/${templateId}`,
    '/admin/components',
    '/admin/users',
    '/admin/account',
  ];

  for (const colorScheme of ['light', 'dark'] as const) {
    test(`axe finds no violations (${colorScheme})`, async () => {
      const context = await browser.newContext({ colorScheme, storageState: await owner.storageState() });
      const page = await context.newPage();
      for (const path of paths()) {
        await page.goto(`${server.url}${path}`);
        expect({ path, violations: await axeViolations(page) }).toEqual({ path, violations: [] });
      }
      const signedOut = await (await browser.newContext({ colorScheme })).newPage();
      for (const path of ['/admin/sign-in', '/admin/sign-in/link?token=x']) {
        await signedOut.goto(`${server.url}${path}`);
        expect({ path, violations: await axeViolations(signedOut) }).toEqual({ path, violations: [] });
      }
      await context.close();
    });
  }

  test('nothing overflows sideways at 360 px', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, storageState: await owner.storageState() });
    const page = await context.newPage();
    for (const path of paths()) {
      await page.goto(`${server.url}${path}`);
      expect({ path, width: await page.evaluate(() => document.documentElement.scrollWidth) }).toEqual({ path, width: 360 });
    }
    await context.close();
  });
});
