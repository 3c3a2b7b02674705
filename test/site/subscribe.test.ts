import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { axeViolations, launchChromium } from '../helpers/browser.ts';
import { createSiteFixture, startServer, within, type RunningServer } from '../helpers/server.ts';

// The whole subscriber journey in a browser without JavaScript, with the default transport
// (emails as .eml files), as `npm start` runs with no configuration.
let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
let server: RunningServer;
let browser: Browser;
let outboxDir: string;
let api: string;

beforeAll(async () => {
  fixture = await createSiteFixture();
  outboxDir = mkdtempSync(join(tmpdir(), 'candor-eml-'));
  server = await startServer({ DATABASE_URL: fixture.databaseUrl, CANDOR_OUTBOX_DIR: outboxDir, CANDOR_PAGE_NAME: 'Acme' });
  api = (await fixture.admin(server)('POST', '/components', { name: 'API' })).id;
  await fixture.admin(server)('POST', '/components', { name: 'Search' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  fixture?.cleanup();
  rmSync(outboxDir, { recursive: true, force: true });
});

const emails = () => readdirSync(outboxDir).map((f) => readFileSync(join(outboxDir, f), 'utf8'));
const emailTo = async (address: string, subject: string) => {
  let found = '';
  await within(5000, async () => {
    found = emails().find((e) => e.includes(`To: ${address}`) && e.includes(`Subject: ${subject}`)) ?? '';
    return found !== '';
  });
  return found;
};
const link = (eml: string, path: string) => new RegExp(`https?://[^\\s"<>]+${path}\\?token=[^\\s"<>]+`).exec(eml)![0].replace(/&amp;/g, '&');

test('subscribe, confirm, receive, manage and unsubscribe — all without JavaScript', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${server.url}/subscribe`);
  await page.fill('#email', 'reader@example.com');
  await page.check('input[name="all"][value="0"]');
  await page.check('input[name="component_ids"] >> nth=0');
  await page.click('button[type="submit"]');
  expect(await page.locator('.notice').innerText()).toContain('Check your inbox');

  const confirmation = await emailTo('reader@example.com', 'Confirm your subscription to Acme');
  expect(confirmation).toContain('for API');
  const url = link(confirmation, '/subscribe/confirm').replace(/^https?:\/\/[^/]+/, server.url);
  // Opening the link (as a mail scanner would) confirms nothing; the button does.
  await page.goto(url);
  expect(await page.locator('h1').innerText()).toBe('Confirm your subscription');
  expect(
    (await fixture.database.db.get<{ at: number | null }>(sql`SELECT confirmed_at AS at FROM subscribers WHERE email = 'reader@example.com'`))!.at,
  ).toBeNull();
  await page.click('button[type="submit"]');
  expect(await page.locator('h1').innerText()).toBe('You are subscribed');

  // The reader chose API only: an incident on it reaches them.
  await fixture.admin(server)('POST', '/incidents', {
    title: 'API is slow',
    severity: 'SEV-2',
    body: 'Looking.',
    components: [{ id: api, status: 'degraded_performance' }],
  });
  const update = await emailTo('reader@example.com', '[Investigating] API is slow');
  expect(update).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  const manage = link(update, '/subscriptions/manage').replace(/^https?:\/\/[^/]+/, server.url);

  await page.goto(manage);
  expect(await page.locator('main').innerText()).toContain('reader@example.com');
  await page.check('input[name="all"][value="1"]');
  await page.click('button[value="update"]');
  expect(await page.locator('.notice').innerText()).toBe('Saved.');
  await page.click('button[value="unsubscribe"]');
  expect(await page.locator('h1').innerText()).toBe('You are unsubscribed');
  await page.goto(manage);
  expect(await page.locator('main').innerText()).toContain('This link does not work');
  await context.close();
});

test('the subscription pages are accessible (axe), light and dark', async () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ colorScheme });
    const page = await context.newPage();
    for (const path of [
      '/subscribe',
      '/subscribe?sent=1',
      '/subscribe?error=email',
      '/subscriptions/unsubscribe?token=x',
      '/subscribe/confirm?token=nope',
      '/subscribe/confirm?invalid=1',
      '/subscribe/confirm?confirmed=1',
    ]) {
      await page.goto(`${server.url}${path}`);
      expect({ path, colorScheme, violations: await axeViolations(page) }).toEqual({ path, colorScheme, violations: [] });
    }
    await context.close();
  }
});
