import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { routeGroup } from '../../api/metrics.ts';
import { createApiKey } from '../../api/services/keys/api-keys.ts';
import { createSiteFixture, startServer, within, type RunningServer } from '../helpers/server.ts';

describe('routeGroup', () => {
  test.each([
    ['/', 'page'],
    ['/history', 'page'],
    ['/incidents/abc123', 'page'],
    ['/api/v2/summary.json', 'public_api'],
    ['/history.atom', 'feed'],
    ['/components/abc/history.rss', 'feed'],
    ['/api/admin/v1/incidents', 'admin_api'],
    ['/admin', 'console'],
    ['/admin/incidents/new', 'console'],
    ['/subscribe', 'subscription'],
    ['/subscriptions/manage', 'subscription'],
    ['/_astro/page.abc.css', 'asset'],
    ['/brand/logo', 'asset'],
    ['/readyz', 'health'],
    ['/nope/../etc', 'other'],
  ])('%s → %s', (path, group) => {
    expect(routeGroup(path)).toBe(group);
  });
});

describe('GET /metrics', () => {
  let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
  let server: RunningServer;
  let reader = '';
  beforeAll(async () => {
    fixture = await createSiteFixture();
    server = await startServer({ DATABASE_URL: fixture.databaseUrl, CANDOR_OUTBOX_DIR: `${fixture.databaseUrl.slice(5)}.outbox` });
    reader = (await createApiKey({ database: fixture.database, now: () => new Date() }, { name: 'prometheus', scopes: ['read'] })).secret;
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    fixture?.cleanup();
  });

  test('the request log states the status each answer was sent with', async () => {
    expect((await fetch(`${server.url}/no-such-page`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/admin/v1/incidents`)).status).toBe(401);
    const logged = (path: string) =>
      server.log
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg: string; path?: string; status?: number })
        .find((l) => l.msg === 'request' && l.path === path);
    await within(5000, async () => logged('/no-such-page') !== undefined && logged('/api/admin/v1/incidents') !== undefined);
    expect(logged('/no-such-page')?.status).toBe(404);
    expect(logged('/api/admin/v1/incidents')?.status).toBe(401);
  });

  const scrape = async () => {
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${reader}` } });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"()]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);

  test('only for a key with the read scope', async () => {
    const anonymous = await fetch(`${server.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).code).toBe('unauthorized');
    expect((await scrape()).status).toBe(200);
  });

  test('requests answered from memory are counted once each, as scraped', async () => {
    const page = 'candor_http_requests_total{group="page",method="GET",status="2xx"}';
    const timed = 'candor_http_request_duration_seconds_count{group="page"}';
    await fetch(`${server.url}/`);
    const before = (await scrape()).text;
    for (let i = 0; i < 5; i++) expect((await fetch(`${server.url}/`)).status).toBe(200);
    const after = (await scrape()).text;
    expect(value(after, page) - value(before, page)).toBe(5);
    // Snapshots in memory are counted, not timed: the latency histogram is for requests that did work.
    expect(value(after, timed)).toBe(value(before, timed));
    // A scrape adds what came since the last one, and nothing twice.
    expect(value((await scrape()).text, page)).toBe(value(after, page));
  });

  test('requests per route group, snapshot builds, the database pulse, leadership and the outbox', async () => {
    for (const path of ['/', '/', '/api/v2/summary.json', '/admin']) await fetch(`${server.url}${path}`, { redirect: 'manual' });
    await fixture.admin(server)('POST', '/subscribers', { email: 'reader@example.com' });
    let text = '';
    await within(5000, async () => {
      text = (await scrape()).text;
      return value(text, 'candor_leader') === 1 && value(text, 'candor_database_pulse_duration_seconds_count{result="ok"}') >= 1;
    });
    expect((await scrape()).type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(text, 'candor_http_requests_total{group="page",method="GET",status="2xx"}')).toBeGreaterThanOrEqual(2);
    expect(value(text, 'candor_http_requests_total{group="public_api",method="GET",status="2xx"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'candor_http_requests_total{group="console",method="GET",status="3xx"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'candor_http_request_duration_seconds_count{group="console"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'candor_snapshot_build_duration_seconds_count{result="ok"}')).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^candor_outbox_pending\{channel="email",status="queued"\} \d+$/m);
    expect(text).toMatch(/^candor_outbox_oldest_pending_seconds\{channel="email"\} [\d.e+-]+$/m);
    expect(value(text, 'candor_outbox_failed{channel="email"}')).toBe(0);
    expect(value(text, 'candor_outbox_not_yet_queued')).toBe(0);
  });
});
