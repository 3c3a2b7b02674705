import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { axeViolations, launchChromium } from '../helpers/browser.ts';
import { createSiteFixture, startServer, within, type RunningServer } from '../helpers/server.ts';

let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
let server: RunningServer;
let browser: Browser;
let admin: ReturnType<typeof fixture.admin>;
let api: { id: string };
let search: { id: string };
let incident: { id: string };

beforeAll(async () => {
  fixture = await createSiteFixture();
  server = await startServer({ DATABASE_URL: fixture.databaseUrl, CANDOR_PAGE_NAME: 'Acme Status' });
  admin = fixture.admin(server);
  browser = await launchChromium();
  const group = await admin('POST', '/component-groups', { name: 'Core' });
  api = await admin('POST', '/components', { name: 'Payments API', group_id: group.id, position: 1 });
  search = await admin('POST', '/components', { name: 'Search', group_id: group.id, position: 2 });
  await admin('POST', '/components', { name: 'Docs site', showcase: false });
  incident = await admin('POST', '/incidents', {
    title: 'Card payments failing',
    severity: 'SEV-1',
    body: 'We are **investigating** failed card payments.',
    components: [{ id: api.id, status: 'major_outage' }],
  });
  await admin('POST', `/incidents/${incident.id}/updates`, { status: 'identified', body: 'A certificate expired on the card gateway.' });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  fixture?.cleanup();
});

const html = async (path: string) => (await fetch(`${server.url}${path}`)).text();

describe('what a person sees', () => {
  test('the banner, the components with their statuses, and the open incident with its updates in order', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await expect(page.title()).resolves.toBe('Acme Status');
    expect(await page.locator('.banner').innerText()).toBe('Major Service Outage');
    const rows = await page.locator('.component-row').allInnerTexts();
    expect(rows.map((r) => r.replace(/\s+/g, ' ').trim())).toEqual(['Payments API Major outage', 'Search Operational', 'Docs site Operational']);
    const card = page.locator('.incident', { hasText: 'Card payments failing' });
    expect(await card.locator('.update-head strong').allInnerTexts()).toEqual(['Identified', 'Investigating']);
    expect(await card.locator('.incident-components').innerText()).toBe('Affects: Payments API');
    expect(await card.locator('.update-body strong').innerText()).toBe('investigating');
    // SEV-1: the next update is owed within 30 min of the last one.
    expect(await card.locator('.next-update').innerText()).toMatch(/^Next update by \d{1,2}:\d{2}( [AP]M)? (UTC|GMT)/);
    const due = Date.parse((await card.locator('.next-update time').getAttribute('datetime'))!);
    const declared = Date.parse((await card.locator('.update time').last().getAttribute('datetime'))!);
    expect(due - Date.parse((await card.locator('.update time').first().getAttribute('datetime'))!)).toBe(30 * 60_000);
    expect(due).toBeGreaterThan(declared);
    // Showcased components have 90 daily bars; the others none.
    expect(await page.locator('.component', { hasText: 'Payments API' }).locator('rect').count()).toBe(90);
    expect(await page.locator('.component', { hasText: 'Docs site' }).locator('rect').count()).toBe(0);
    await page.close();
  });

  test('a status change and a new incident posted through the admin API appear on / within 1 s', async () => {
    await html('/'); // the snapshot exists and is hot
    await admin('PATCH', `/components/${search.id}`, { status: 'degraded_performance' });
    const posted = await admin('POST', '/incidents', { title: 'Search results delayed', severity: 'SEV-2', body: 'Indexing is behind.' });
    await within(1000, async () => {
      const page = await html('/');
      return page.includes('Search results delayed') && /Search<\/span>\s*<span class="status" data-status="degraded_performance"/.test(page);
    });
    await admin('POST', `/incidents/${posted.id}/updates`, { status: 'resolved', body: 'Caught up.' });
    await admin('PATCH', `/components/${search.id}`, { status: 'operational' });
  });

  test('times are UTC <time> elements that the script rewrites to the viewer’s zone', async () => {
    const raw = await html('/');
    expect(raw).toMatch(/<time datetime="\d{4}-\d{2}-\d{2}T[\d:.]+Z" data-format="datetime">\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC<\/time>/);
    const context = await browser.newContext({ timezoneId: 'Asia/Tokyo', locale: 'en-US' });
    const page = await context.newPage();
    const errors: Error[] = [];
    page.on('pageerror', (err) => errors.push(err));
    await page.goto(`${server.url}/`);
    expect(errors).toEqual([]);
    const shown = await page.locator('.incident time').first().innerText();
    expect(shown).toMatch(/GMT\+9|JST/);
    await context.close();
  });

  test('with JavaScript off the page still has every component, status and update', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    const text = await page.locator('main').innerText();
    for (const expected of ['Payments API', 'Major outage', 'Search', 'Card payments failing', 'A certificate expired on the card gateway.', 'UTC']) {
      expect(text).toContain(expected);
    }
    await context.close();
  });

  test('the incident permalink and the history page', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/incidents/${incident.id}`);
    expect(await page.locator('h1').innerText()).toBe('Card payments failing');
    expect(await page.locator('.incident-meta').innerText()).toMatch(/Critical impact\s+Ongoing for/);
    await page.goto(`${server.url}/history`);
    expect(await page.locator('h2').allInnerTexts()).toEqual([expect.stringMatching(/^\w+ \d{4}$/)]);
    expect(await page.locator('.history-list a').allInnerTexts()).toContain('Search results delayed');
    const missing = await fetch(`${server.url}/incidents/doesnotexist`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('Not found');
    expect((await fetch(`${server.url}/history?page=99`)).status).toBe(404);
    expect((await fetch(`${server.url}/no/such/page`)).status).toBe(404);
    await page.close();
  });

  test('head: feeds, Open Graph, robots.txt, and no third-party resources', async () => {
    const raw = await html('/');
    expect(raw).toContain('<link rel="alternate" type="application/atom+xml"');
    expect(raw).toContain('<link rel="alternate" type="application/rss+xml"');
    expect(raw).toContain('<meta property="og:title" content="Acme Status">');
    const urls = [...raw.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls.filter((u) => /^(https?:)?\/\//.test(u) && !u.startsWith(server.url) && !u.startsWith('http://127.0.0.1'))).toEqual([]);
    // Each component links its own feed, titled with its name.
    const feed = new RegExp(`href="/history\\.atom\\?component=${api.id}" aria-label="Payments API: incident history as an Atom feed"`);
    expect(raw).toMatch(feed);
    const componentFeed = await (await fetch(`${server.url}/history.atom?component=${api.id}`)).text();
    expect(componentFeed).toMatch(/<title[^>]*>[^<]*Payments API[^<]*<\/title>/);
    // Every page names its charset in its header too (the page, a permalink, the not-found page, the console's sign-in).
    for (const path of ['/', `/incidents/${incident.id}`, '/incidents/nosuch', '/admin/sign-in']) {
      expect((await fetch(`${server.url}${path}`)).headers.get('content-type'), path).toBe('text/html; charset=utf-8');
    }
    const robots = await fetch(`${server.url}/robots.txt`);
    expect(robots.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await robots.text()).toContain('User-agent: *');
  });
});

test('once a deadline has passed, the page says honestly when the last update was', async () => {
  // Time passing, simulated: the deadline moves into the past (and the change counter moves,
  // as every write does, so the snapshot is rebuilt).
  await fixture.database.client.batch(
    [
      { sql: 'UPDATE incidents SET next_update_due_at = ? WHERE id = ?', args: [Date.now() - 60_000, incident.id] },
      'UPDATE change_counter SET value = value + 1',
    ],
    'write',
  );
  await within(3000, async () => /Update overdue since[\s\S]*last update (\d+ min|under 1 min) ago/.test(await html(`/incidents/${incident.id}`)));
  expect(await html(`/incidents/${incident.id}`)).not.toContain('Next update by');
});

describe('page details', () => {
  test('the favicon shows the current status, under a URL per status', async () => {
    const page = await html('/');
    expect(page).toContain('<link rel="icon" href="/favicon/critical.svg" type="image/svg+xml">');
    expect(await html(`/incidents/${incident.id}`)).toContain('href="/favicon/critical.svg"');
    const icon = await fetch(`${server.url}/favicon/critical.svg`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toContain('immutable');
    expect(await icon.text()).toContain('fill="#cf222e"');
    expect((await fetch(`${server.url}/favicon/fine.svg`)).status).toBe(404);
  });

  test('styles and scripts are served compressed as the browser accepts, the same bytes once decoded', async () => {
    const css = /href="(\/_astro\/page\.[\w-]+\.css)"/.exec(await html('/'))![1]!;
    const plain = await (await fetch(`${server.url}${css}`, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer();
    for (const encoding of ['br', 'gzip']) {
      const res = await fetch(`${server.url}${css}`, { headers: { 'accept-encoding': encoding } });
      expect(res.headers.get('content-encoding')).toBe(encoding);
      expect(res.headers.get('vary')).toContain('Accept-Encoding');
      expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from(plain)); // fetch decodes it
    }
  });

  test('a long group that is all well starts folded, and opens without JavaScript; one with trouble is open', async () => {
    const group = await admin('POST', '/component-groups', { name: 'Regions' });
    const regions = [];
    for (let i = 1; i <= 7; i++) regions.push(await admin('POST', '/components', { name: `Region ${i}`, group_id: group.id }));
    await within(5000, async () => (await html('/')).includes('Region 7'));
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    const folded = page.locator('details.group', { hasText: 'Regions' });
    expect(await folded.getAttribute('open')).toBeNull();
    expect(await folded.locator('summary').innerText()).toMatch(/Regions\s+7 components\s+Operational/);
    expect(await page.locator('.component-name', { hasText: 'Region 3' }).isVisible()).toBe(false);
    await folded.locator('summary').click();
    expect(await page.locator('.component-name', { hasText: 'Region 3' }).isVisible()).toBe(true);
    // The small group with the outage is open.
    expect(await page.locator('details.group', { hasText: 'Core' }).getAttribute('open')).toBe('');

    await admin('PATCH', `/components/${regions[2].id}`, { status: 'degraded_performance' });
    await within(5000, async () => {
      await page.reload();
      return (await page.locator('details.group', { hasText: 'Regions' }).getAttribute('open')) === '';
    });
    expect(await page.locator('details.group', { hasText: 'Regions' }).locator('summary').innerText()).toMatch(/Regions\s+Degraded performance/);
    await context.close();
    for (const r of regions) await admin('DELETE', `/components/${r.id}`);
    await admin('DELETE', `/component-groups/${group.id}`);
  });
});

describe('pages that do not exist', () => {
  const builds = async () => {
    const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${fixture.adminKey}` } })).text();
    return [...text.matchAll(/^candor_snapshot_build_duration_seconds_count\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  };

  test('any number of unknown ids and history pages past the last share one not-found snapshot; a new incident is found at once', async () => {
    await html('/'); // the index of what exists is current
    await within(5000, async () => (await fetch(`${server.url}/incidents/nosuchincident0`)).status === 404);
    const before = await builds();
    expect(before).toBeGreaterThan(0);
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => fetch(`${server.url}/${i % 2 ? 'incidents' : 'maintenances'}/random${i}x${Date.now()}`).then((r) => r.status)),
    );
    expect(new Set(statuses)).toEqual(new Set([404]));
    expect((await fetch(`${server.url}/history?page=999`)).status).toBe(404);
    // Nor do paths no page matches, ids that cannot be ids, or unknown problem codes: what a
    // scanner or a crawler asks for costs no render.
    const notFound = (await fetch(`${server.url}/incidents/nosuchincident2`)).headers.get('etag');
    expect(notFound).toBeTruthy();
    for (const path of [
      '/wp-login.php',
      '/index.html',
      '/admin/no-such-screen',
      `/incidents/${incident.id.toUpperCase()}`,
      '/incidents',
      '/problems/no_such_code',
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
      // The one not-found snapshot, from memory.
      expect(res.headers.get('etag'), path).toBe(notFound);
      expect(await res.text()).toContain('<h1>Not found</h1>');
    }
    // Only a success can be "not modified": a not-found page answers in full whatever the client holds.
    const again = await fetch(`${server.url}/wp-login.php`, { headers: { 'if-none-match': notFound! } });
    expect(again.status).toBe(404);
    expect(await again.text()).toContain('<h1>Not found</h1>');
    // A page asked for with a trailing slash is sent to its one address.
    const slashed = await fetch(`${server.url}/incidents/${incident.id}/?ref=chat`, { redirect: 'manual' });
    expect(slashed.status).toBe(301);
    expect(slashed.headers.get('location')).toBe(`/incidents/${incident.id}?ref=chat`);
    expect(await builds()).toBe(before);
    expect(await html('/incidents/nosuchincident1')).toContain('<h1>Not found</h1>');

    const fresh = await admin('POST', '/incidents', { title: 'Search results stale', severity: 'SEV-2', body: 'Looking into it.' });
    await within(2000, async () => (await fetch(`${server.url}/incidents/${fresh.id}`)).status === 200);
    expect((await fetch(`${server.url}/incidents/${incident.id}`)).status).toBe(200);
    await admin('POST', `/incidents/${fresh.id}/updates`, { status: 'resolved', body: 'Fixed.' });
  });

  test('the subscribe form is the same for everyone: built once per change, and it lists a component added since', async () => {
    expect(await html('/subscribe')).toContain('Payments API');
    const before = await builds();
    const forms = await Promise.all(Array.from({ length: 10 }, () => html('/subscribe?utm_source=mail')));
    expect(new Set(forms).size).toBe(1);
    expect(await html('/subscribe?sent')).toContain('Check your inbox');
    expect(await builds()).toBe(before + 1);
    const added = await admin('POST', '/components', { name: 'Status webhooks' });
    await within(2000, async () => (await html('/subscribe')).includes('Status webhooks'));
    await admin('DELETE', `/components/${added.id}`);
  });
});

describe('hostile incident text', () => {
  test('scripts, handlers and javascript: URLs are neutralised on the page', async () => {
    const hostile = await admin('POST', '/incidents', {
      title: '<img src=x onerror="window.__pwned=1">Title',
      severity: 'SEV-2',
      body: [
        '<script>window.__pwned = 1</script>',
        '<img src="x" onerror="window.__pwned = 1">',
        '[click me](javascript:window.__pwned=1)',
        '![img](javascript:window.__pwned=1)',
        '<a href="javascript:window.__pwned=1">raw link</a>',
        '[ok link](https://example.com/status)',
      ].join('\n\n'),
    });
    const page = await browser.newPage();
    let dialogs = 0;
    page.on('dialog', () => dialogs++);
    await page.goto(`${server.url}/incidents/${hostile.id}`);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(dialogs).toBe(0);
    const body = page.locator('.update-body');
    expect(await body.locator('script, img, iframe, [onerror], [onclick]').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
    expect(await body.innerText()).toContain('<script>window.__pwned = 1</script>');
    expect(await body.locator('a[href="https://example.com/status"]').getAttribute('rel')).toBe('nofollow noopener noreferrer');
    expect(await page.locator('h1').innerText()).toBe('<img src=x onerror="window.__pwned=1">Title');
    await admin('POST', `/incidents/${hostile.id}/updates`, { status: 'resolved', body: 'ok' });
    await page.close();
  });
});

describe('accessibility', () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    test(`axe finds no violations on /, /history and an incident page (${colorScheme})`, async () => {
      const context = await browser.newContext({ colorScheme });
      const page = await context.newPage();
      for (const path of ['/', '/history', `/incidents/${incident.id}`]) {
        await page.goto(`${server.url}${path}`);
        expect({ path, violations: await axeViolations(page) }).toEqual({ path, violations: [] });
      }
      await context.close();
    });
  }

  test('nothing overflows sideways at 360 px', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    for (const path of ['/', '/history', `/incidents/${incident.id}`]) {
      await page.goto(`${server.url}${path}`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    }
    await context.close();
  });
});

describe('problem pages', () => {
  test('every problem body’s type is a page that says what it means and how to fix it', async () => {
    const refused = await fetch(`${server.url}/api/admin/v1/incidents`, {
      method: 'POST',
      headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
      body: '{}',
    });
    const body = (await refused.json()) as { type: string; code: string };
    expect(body).toMatchObject({ type: '/problems/unauthorized', code: 'unauthorized' });
    const context = await browser.newContext({ colorScheme: 'dark' });
    const page = await context.newPage();
    const res = await page.goto(`${server.url}${body.type}`);
    expect(res?.status()).toBe(200);
    expect(await page.locator('h1').innerText()).toBe('unauthorized: 401 Unauthorized');
    expect(await page.locator('h2').allInnerTexts()).toEqual(['What it means', 'How to fix it']);
    expect(await page.locator('main, body').first().innerText()).toContain('Authorization: Bearer <key>');
    expect(await axeViolations(page)).toEqual([]);
    const unknown = await page.goto(`${server.url}/problems/no_such_code`);
    expect(unknown?.status()).toBe(404);
    await context.close();
  });
});
