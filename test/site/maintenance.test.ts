import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { XMLParser } from 'fast-xml-parser';
import { axeViolations, launchChromium } from '../helpers/browser.ts';
import { ROOT } from '../../scripts/processes.ts';
import { createSiteFixture, startServer, within, type RunningServer } from '../helpers/server.ts';
import { statuspageValidator } from '../helpers/statuspage-schema.ts';

// A real server whose maintenance clock ticks every 100 ms: one maintenance starts on its own
// while the test watches; others are upcoming, completed and cancelled.
const run = promisify(execFile);
const REFERENCE = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/statuspage/cloudamqp_summary_maintenance_2020-07-16.json'), 'utf8'));
const HOUR = 3_600_000;

let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
let server: RunningServer;
let browser: Browser;
let admin: ReturnType<typeof fixture.admin>;
const ids: Record<string, string> = {};
const inAbout = (ms: number) => new Date(Date.now() + ms).toISOString();

beforeAll(async () => {
  fixture = await createSiteFixture();
  server = await startServer({
    DATABASE_URL: fixture.databaseUrl,
    CANDOR_PAGE_NAME: 'Acme',
    CANDOR_PUBLIC_URL: 'https://status.acme.test',
    CANDOR_MAINTENANCE_TICK_MS: '100',
  });
  admin = fixture.admin(server);
  browser = await launchChromium();
  ids.api = (await admin('POST', '/components', { name: 'API', position: 1 })).id;
  ids.cache = (await admin('POST', '/components', { name: 'Cache', position: 2 })).id;
  ids.db = (await admin('POST', '/components', { name: 'Database', position: 3 })).id;
  const window = (from: number, to: number) => ({ scheduled_for: inAbout(from), scheduled_until: inAbout(to) });
  ids.upcoming = (
    await admin('POST', '/maintenances', {
      title: 'Database upgrade',
      body: 'Expect **brief** reconnects.',
      ...window(26 * HOUR, 28 * HOUR),
      component_ids: [ids.db],
    })
  ).id;
  ids.done = (
    await admin('POST', '/maintenances', { title: 'Kernel patching', body: 'Rolling reboots.', ...window(HOUR, 2 * HOUR), component_ids: [ids.api] })
  ).id;
  await admin('POST', `/maintenances/${ids.done}/updates`, { status: 'in_progress', body: 'Starting now.' });
  await admin('POST', `/maintenances/${ids.done}/updates`, { status: 'completed', body: 'All hosts patched.' });
  ids.cancelled = (await admin('POST', '/maintenances', { title: 'Network change', body: 'b', ...window(3 * HOUR, 4 * HOUR), component_ids: [ids.api] })).id;
  await admin('POST', `/maintenances/${ids.cancelled}/cancel`, {});
  // Starts by itself in about three seconds.
  ids.active = (
    await admin('POST', '/maintenances', {
      title: 'Cache failover',
      body: 'Moving to the new cluster.',
      ...window(3000, HOUR),
      component_ids: [ids.cache],
      remind_hours_before: null,
    })
  ).id;
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  fixture?.cleanup();
});

const getJson = async (path: string) => {
  const res = await fetch(`${server.url}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as any;
};

test('the clock starts a maintenance at its time: the page, the component and the JSON follow', async () => {
  await within(15_000, async () => (await getJson('/api/v2/status.json')).status.indicator === 'maintenance');
  const summary = await getJson('/api/v2/summary.json');
  expect(summary.status).toEqual({ indicator: 'maintenance', description: 'Service Under Maintenance' });
  expect(summary.components.map((c: any) => [c.name, c.status])).toEqual([
    ['API', 'operational'],
    ['Cache', 'under_maintenance'],
    ['Database', 'operational'],
  ]);
  // In progress, then upcoming; never the completed or the cancelled one.
  expect(summary.scheduled_maintenances.map((m: any) => [m.name, m.status])).toEqual([
    ['Cache failover', 'in_progress'],
    ['Database upgrade', 'scheduled'],
  ]);
});

describe('Statuspage-compatible maintenance JSON', () => {
  test('has every field of the reference CloudAMQP maintenance, with its values’ vocabulary', async () => {
    const summary = await getJson('/api/v2/summary.json');
    const active = summary.scheduled_maintenances[0];
    const reference = REFERENCE.scheduled_maintenances[0];
    const missing = (o: object, ref: object) => Object.keys(ref).filter((k) => !(k in o));
    expect(missing(active, reference)).toEqual([]);
    expect(missing(active.incident_updates[0], reference.incident_updates[0])).toEqual([]);
    expect(missing(active.incident_updates[0].affected_components[0], reference.incident_updates[0].affected_components[0])).toEqual([]);
    expect(missing(active.components[0], reference.components[0])).toEqual([]);
    expect(missing(summary, REFERENCE)).toEqual([]);
    expect(active).toMatchObject({
      id: ids.active,
      impact: 'maintenance',
      status: 'in_progress',
      monitoring_at: null,
      resolved_at: null,
      shortlink: `https://status.acme.test/maintenances/${ids.active}`,
      page_id: summary.page.id,
      components: [expect.objectContaining({ id: ids.cache, status: 'under_maintenance' })],
    });
    expect(active.scheduled_for).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // As in the reference: the start's update moves the component; the announcement does not.
    expect(active.incident_updates.map((u: any) => [u.status, u.affected_components[0].old_status, u.affected_components[0].new_status])).toEqual([
      ['in_progress', 'operational', 'under_maintenance'],
      ['scheduled', 'operational', 'operational'],
    ]);
    expect(active.incident_updates[0].incident_id).toBe(ids.active);
    expect(active.candor.work_started_at).toBe(active.scheduled_for);
  });

  test('the lists: upcoming, active, and everything recent (cancelled ones left out); each validates', async () => {
    // The client's types read maintenances as incidents, so they refuse `impact: maintenance`
    // and the maintenance statuses — in Statuspage's own response too. Those two are allowed;
    // nothing else is.
    const validate = statuspageValidator();
    const kinds = (errors: unknown[] | null) => [...new Set((errors ?? []).map((e: any) => e.schemaPath))].sort();
    const real = kinds(validate({ page: REFERENCE.page, scheduled_maintenances: REFERENCE.scheduled_maintenances }, 'ScheduledMaintenances'));
    expect(real).toEqual(['#/definitions/IncidentImpact/enum', '#/definitions/IncidentStatus/enum']);
    const names = async (path: string) => {
      const json = await getJson(path);
      expect({ path, errors: kinds(validate(json, 'ScheduledMaintenances')).filter((k) => !real.includes(k)) }).toEqual({ path, errors: [] });
      return json.scheduled_maintenances.map((m: any) => m.name).sort();
    };
    expect(await names('/api/v2/scheduled-maintenances/upcoming.json')).toEqual(['Database upgrade']);
    expect(await names('/api/v2/scheduled-maintenances/active.json')).toEqual(['Cache failover']);
    expect(await names('/api/v2/scheduled-maintenances.json')).toEqual(['Cache failover', 'Database upgrade', 'Kernel patching']);
    expect(kinds(validate(await getJson('/api/v2/summary.json'), 'Summary')).filter((k) => !real.includes(k))).toEqual([]);
    const all = await getJson('/api/v2/scheduled-maintenances.json');
    const done = all.scheduled_maintenances.find((m: any) => m.id === ids.done);
    expect(done.status).toBe('completed');
    expect(done.resolved_at).toBe(done.candor.work_completed_at);
    expect(done.incident_updates.map((u: any) => u.status)).toEqual(['completed', 'in_progress', 'scheduled']);
  });
});

describe('what a person sees', () => {
  test('the banner, the maintenance in progress, the component under maintenance, and what is coming in local time', async () => {
    const context = await browser.newContext({ timezoneId: 'Asia/Tokyo', locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    expect(await page.locator('.banner').innerText()).toBe('Service Under Maintenance');
    const active = page.locator('.maintenance-active .maintenance');
    expect(await active.locator('.incident-title').innerText()).toBe('Cache failover');
    expect(await active.locator('.update-head strong').allInnerTexts()).toEqual(['In progress', 'Scheduled']);
    expect(await page.locator('.component-row', { hasText: 'Cache' }).innerText()).toMatch(/Under maintenance/);

    const upcoming = page.locator('section', { has: page.locator('#upcoming-heading') }).locator('.maintenance');
    expect(await upcoming.count()).toBe(1);
    expect(await upcoming.locator('.incident-title').innerText()).toBe('Database upgrade');
    expect(await upcoming.locator('.incident-components').innerText()).toBe('Affects: Database');
    expect(await upcoming.locator('.update-body strong').innerText()).toBe('brief');
    // The window, rewritten to the viewer's zone (Tokyo is UTC+9), keeps its UTC instant.
    const start = upcoming.locator('.window time').first();
    expect(await start.innerText()).toMatch(/GMT\+9/);
    const { scheduled_for } = await getJson(`/api/v2/scheduled-maintenances/upcoming.json`).then((j) => j.scheduled_maintenances[0]);
    expect(await start.getAttribute('datetime')).toBe(scheduled_for);
    expect(await page.locator('text=Kernel patching').count()).toBe(0);
    expect(await page.locator('text=Network change').count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });

  test('each maintenance has its own page; a cancelled one says so; history lists the completed one', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/maintenances/${ids.done}`);
    expect(await page.locator('h1').innerText()).toBe('Kernel patching');
    expect(await page.locator('.update-head strong').allInnerTexts()).toEqual(['Completed', 'In progress', 'Scheduled']);
    expect(await page.locator('.incident-meta').innerText()).toMatch(/^Completed\s+.+ – .+\s+Took (under 1 min|\d+ min)$/);
    expect(await axeViolations(page)).toEqual([]);

    await page.goto(`${server.url}/maintenances/${ids.cancelled}`);
    expect(await page.locator('.incident-meta span').first().innerText()).toBe('Cancelled');
    expect(await page.locator('.update-body').first().innerText()).toMatch(/cancelled/);

    const missing = await page.goto(`${server.url}/maintenances/nosuchthing`);
    expect(missing?.status()).toBe(404);

    await page.goto(`${server.url}/history`);
    const entry = page.locator('.history-list li', { hasText: 'Kernel patching' });
    expect(await entry.locator('a').getAttribute('href')).toBe(`/maintenances/${ids.done}`);
    expect(await entry.locator('.incident-meta span').first().innerText()).toBe('Maintenance');
    expect(await page.locator('.history-list li').allInnerTexts()).toHaveLength(1);
    await page.close();
  });
});

test('the maintenance sections and page are accessible in dark mode too (axe)', async () => {
  const context = await browser.newContext({ colorScheme: 'dark' });
  const page = await context.newPage();
  for (const path of ['/', `/maintenances/${ids.active}`, '/history']) {
    await page.goto(`${server.url}${path}`);
    expect({ path, violations: await axeViolations(page) }).toEqual({ path, violations: [] });
  }
  await context.close();
});

test('the feeds carry maintenances as entries (Atom still valid), per component too', async () => {
  const xml = await (await fetch(`${server.url}/history.atom`)).text();
  const file = join(tmpdir(), `candor-maintenance-${process.pid}.atom`);
  writeFileSync(file, xml);
  await run('jing', ['-c', join(ROOT, 'test/fixtures/atom.rnc'), file]);
  const entries = [new XMLParser({ ignoreAttributes: false }).parse(xml).feed.entry].flat() as any[];
  const byId = new Map(entries.map((e) => [e.id, e]));
  expect(byId.get(`https://status.acme.test/maintenances/${ids.active}`).title['#text']).toBe('Cache failover (Maintenance in progress)');
  expect(byId.get(`https://status.acme.test/maintenances/${ids.upcoming}`).content['#text']).toContain('Scheduled ');
  expect(byId.has(`https://status.acme.test/maintenances/${ids.cancelled}`)).toBe(false);
  const rss = await (await fetch(`${server.url}/history.rss?component=${ids.db}`)).text();
  expect(rss).toContain(`https://status.acme.test/maintenances/${ids.upcoming}`);
  expect(rss).not.toContain(`https://status.acme.test/maintenances/${ids.active}`);
});

test('a window on one UTC day that crosses midnight in the viewer’s zone shows both dates there', async () => {
  // Tomorrow 14:30–15:30 UTC is 23:30–00:30 in Tokyo.
  const day = new Date(Date.now() + 24 * HOUR);
  const at = (h: number, m: number) => new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), h, m)).toISOString();
  const m = await admin('POST', '/maintenances', {
    title: 'Late night change',
    body: 'b',
    scheduled_for: at(14, 30),
    scheduled_until: at(15, 30),
    component_ids: [ids.api],
  });
  const read = async (timezoneId: string) => {
    const context = await browser.newContext({ timezoneId, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${server.url}/maintenances/${m.id}`);
    const [start, end] = await page.locator('.window time').allInnerTexts();
    await context.close();
    return { start: start!, end: end! };
  };
  const tokyo = await read('Asia/Tokyo');
  expect(tokyo.start).toMatch(/11:30 PM GMT\+9$/);
  expect(tokyo.end).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, 12:30 AM GMT\+9$/); // a date: the next day
  const utc = await read('UTC');
  expect(utc.end).toMatch(/^0?3:30 PM UTC$/); // the same day: the time alone
  await admin('POST', `/maintenances/${m.id}/cancel`, {});
});
