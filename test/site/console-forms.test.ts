// Every form on every console page, as the owner sees it on the real server, sent with each field
// wrong in turn (empty, huge, a NUL, out of range, an id that names nothing, twice, missing):
// the console answers each with a page or a redirect, never a 5xx. The forms are read from the
// pages themselves in Chromium, so a form added later is covered without a change here.
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.ts';
import { createSiteFixture, reportTrouble, startServer, type RunningServer } from '../helpers/server.ts';
import { createUser } from '../../api/services/users/users.ts';
import { signInWithLink } from '../../api/services/users/sessions.ts';
import { SYSTEM_ACTOR } from '../../api/services/context.ts';

vi.setConfig({ testTimeout: 600_000 });

interface Field {
  name: string;
  value: string;
  kind: string;
}
interface Form {
  page: string;
  method: 'get' | 'post';
  action: string;
  multipart: boolean;
  fields: Field[];
  buttons: { name: string; value: string }[];
  /** What its buttons say. */
  words: string;
}

let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
let server: RunningServer;
let browser: Browser;
/** The owner's session token, and the cookie that carries it. */
let session = '';
let cookie = '';
const pages: string[] = [];

/** What a field should not be, or is by mistake. */
const WRONG = ['', ' ', 'x'.repeat(20_000), 'a\u0000b', '-1', '1e309', '0x10', 'nosuch', '2026-02-30T25:61', '<script>alert(1)</script>'];

beforeAll(async () => {
  fixture = await createSiteFixture();
  server = await startServer({ DATABASE_URL: fixture.databaseUrl, CANDOR_PAGE_NAME: 'Acme' });
  const admin = fixture.admin(server);
  // One of everything the console edits, so that its pages show their forms for real rows.
  const api = (await admin('POST', '/components', { name: 'API' })).id;
  const group = (await admin('POST', '/component-groups', { name: 'Core' })).id;
  await admin('PATCH', `/components/${api}`, { group_id: group });
  const incident = (
    await admin('POST', '/incidents', { title: 'Errors', severity: 'SEV-2', body: 'Looking.', components: [{ id: api, status: 'partial_outage' }] })
  ).id;
  const resolved = (await admin('POST', '/incidents', { title: 'Old', severity: 'SEV-2', body: 'Looking.' })).id;
  await admin('POST', `/incidents/${resolved}/updates`, { status: 'resolved', body: 'Fixed.' });
  const soon = new Date(Date.now() + 86_400_000);
  const maintenance = (
    await admin('POST', '/maintenances', {
      title: 'Upgrade',
      body: 'Planned.',
      scheduled_for: soon.toISOString(),
      scheduled_until: new Date(soon.getTime() + 3_600_000).toISOString(),
    })
  ).id;
  const plan = (await admin('POST', '/sla-plans', { name: 'Gold', target: 99.9, ladder: [{ below: 99.9, credit: 10 }], cap: 30 })).id;
  const customer = (await admin('POST', '/customers', { name: 'Globex', contacts: ['ops@globex.example'], plan_id: plan, component_ids: [api] })).id;
  const template = (await admin('POST', '/templates', { name: 'API down', title: 'API errors', severity: 'SEV-2', body: 'Looking.' })).id;
  await admin('POST', '/integrations', { type: 'alertmanager', name: 'Alerts' });
  await admin('POST', '/subscribers', { email: 'someone@example.com', confirmed: true });
  // Each record's own page first, then the lists: a list's "remove" takes the row away.
  pages.push(
    ...[
      `/incidents/${incident}`,
      `/incidents/${resolved}`,
      `/maintenances/${maintenance}`,
      `/sla-plans/${plan}`,
      `/customers/${customer}`,
      `/templates/${template}`,
    ],
    ...[
      '',
      '/account',
      '/audit',
      '/components',
      '/customers',
      '/incidents',
      '/incidents/new',
      '/integrations',
      '/maintenances',
      '/outbox',
      '/policy',
      '/reports',
      '/settings',
      '/subscribers',
      '/templates',
      '/users',
    ],
  );

  const ctx = { database: fixture.database, now: () => new Date() };
  const { link } = await createUser(ctx, SYSTEM_ACTOR, { email: 'owner@example.com', role: 'owner' }, { publicUrl: server.url, email: false });
  session = (await signInWithLink(ctx, new URL(link).searchParams.get('token')!)).token;
  cookie = `candor_session=${session}`;
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  if (server) reportTrouble(server);
  await browser?.close();
  await server?.stop();
  fixture?.cleanup();
});

/** The forms on a console page, as the browser sees them (signing out left out), and its CSV downloads. */
async function formsOf(path: string): Promise<{ forms: Form[]; downloads: string[] }> {
  const context = await browser.newContext({ javaScriptEnabled: false });
  await context.addCookies([{ name: 'candor_session', value: session, url: server.url }]);
  const page = await context.newPage();
  await page.goto(`${server.url}/admin${path}`);
  const forms = await page.$$eval('form', (elements) =>
    elements.map((form) => ({
      method: (form.getAttribute('method') ?? 'get').toLowerCase(),
      // Not `form.action`: a field named "action" (the audit log's filter) shadows it.
      action: new URL(form.getAttribute('action') ?? '', location.href).href,
      multipart: form.enctype === 'multipart/form-data',
      fields: [...form.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input[name], select[name], textarea[name]')]
        .filter((e) => !(e instanceof HTMLInputElement && (e.type === 'checkbox' || e.type === 'radio') && !e.checked) && e.type !== 'file')
        .map((e) => ({ name: e.name, value: e.value, kind: e instanceof HTMLInputElement ? e.type : e.tagName.toLowerCase() })),
      buttons: [...form.querySelectorAll<HTMLButtonElement>('button[name]')].map((b) => ({ name: b.name, value: b.value })),
      words: [...form.querySelectorAll('button')].map((b) => `${b.textContent} ${b.getAttribute('aria-label') ?? ''}`).join(' '),
    })),
  );
  const downloads = await page.$$eval('a[href*=".csv"]', (links) => links.map((a) => (a as HTMLAnchorElement).href));
  await context.close();
  expect(
    forms.every((f) => f.action.startsWith(`${server.url}/`)),
    `${path}: ${forms.map((f) => f.action).join(', ')}`,
  ).toBe(true);
  return { forms: forms.map((f) => ({ ...f, page: path }) as Form).filter((f) => !f.action.endsWith('/admin/sign-out')), downloads };
}

/** Sends a form's fields; a description of a 5xx answer, or null. */
async function send(form: Form, fields: [string, string][]): Promise<string | null> {
  const url = new URL(form.action);
  let body: URLSearchParams | FormData | undefined;
  if (form.method === 'get') for (const [k, v] of fields) url.searchParams.append(k, v);
  else if (form.multipart) {
    body = new FormData();
    for (const [k, v] of fields) body.append(k, v);
  } else body = new URLSearchParams(fields);
  const res = await fetch(url, { method: form.method.toUpperCase(), headers: { cookie, origin: server.url }, body, redirect: 'manual' });
  const text = await res.text();
  if (res.status < 500) return null;
  const shown = fields.map(([k, v]) => `${k}=${v.slice(0, 30)}`).join('&');
  return `${form.method.toUpperCase()} ${url.pathname} (from ${form.page || '/'}) ${shown}: ${res.status} ${text.slice(0, 200)}`;
}

test('every console form, each field wrong in turn, is answered without a 5xx', async () => {
  const problems: string[] = [];
  let sent = 0;
  for (const path of pages) {
    const { forms, downloads } = await formsOf(path);
    // A download takes the query its page's filters send.
    for (const href of downloads) {
      for (const field of forms.filter((f) => f.method === 'get').flatMap((f) => f.fields)) {
        for (const wrong of WRONG) {
          sent++;
          const url = new URL(href);
          url.searchParams.set(field.name, wrong);
          const said = `GET ${url.pathname} (from ${path || '/'}) ${field.name}=${wrong.slice(0, 30)}`;
          const res = await fetch(url, { headers: { cookie } });
          // A refusal must come before the file starts, not as a download cut short.
          const whole = await res.arrayBuffer().then(
            () => true,
            () => false,
          );
          if (res.status >= 500 || !whole) problems.push(`${said}: ${res.status}${whole ? '' : ', cut short'}`);
        }
      }
    }
    // On a page, the forms that take something away go last: the others still find it.
    const removes = (f: Form) =>
      /delete|remove|archive|revoke|disable|cancel/i.test([f.words, ...[...f.fields, ...f.buttons].map((x) => `${x.name} ${x.value}`)].join(' '));
    for (const form of [...forms.filter((f) => !removes(f)), ...forms.filter(removes)]) {
      const base: [string, string][] = form.fields.map((f) => [f.name, f.value]);
      const submits = form.buttons.length ? form.buttons : [null];
      for (const button of submits) {
        const withButton = (fields: [string, string][]): [string, string][] => (button ? [...fields, [button.name, button.value]] : fields);
        const variants: [string, string][][] = [withButton(base)];
        for (const [i, field] of form.fields.entries()) {
          // The session's token stays right: without it every form is refused before it is read.
          if (field.name === '_csrf') continue;
          for (const wrong of WRONG) variants.push(withButton(base.map((f, j) => (j === i ? [f[0], wrong] : f))));
          variants.push(withButton(base.filter((_, j) => j !== i)));
          variants.push(withButton([...base, [field.name, 'twice']]));
        }
        for (const fields of variants) {
          sent++;
          const problem = await send(form, fields);
          if (problem) problems.push(problem);
        }
      }
    }
  }
  expect(problems).toEqual([]);
  // Forms were found and sent (a page that lost its forms would pass the check above vacuously).
  expect(sent).toBeGreaterThan(500);
});

test('a filter the API refuses is said beside its field on the page, and before the file starts on its download', async () => {
  const page = await fetch(`${server.url}/admin/subscribers?state=nosuch`, { headers: { cookie } });
  expect(page.status).toBe(422);
  const html = await page.text();
  expect(html).toContain('Could not search:');
  expect(html).toMatch(/<code>state<\/code>: [^<]+/);
  const download = await fetch(`${server.url}/admin/subscribers/export.csv?state=nosuch`, { headers: { cookie } });
  expect(download.status).toBe(422);
  expect(download.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  expect(await download.text()).toMatch(/^state: /m);
  const report = await fetch(`${server.url}/admin/reports/sla.csv?period=2026-13`, { headers: { cookie } });
  expect(report.status).toBe(422);
  expect(await report.text()).toMatch(/^period: /m);
});
