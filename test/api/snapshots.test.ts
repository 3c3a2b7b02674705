import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { brotliWindow, negotiate, Snapshots, type Rendered } from '../../api/public/snapshots.ts';
import { canonicalPath, isSitePath, pageKey, SITE_SECTIONS } from '../../api/public/pages.ts';
import { readdirSync } from 'node:fs';
import { silentLogger } from '../../api/log.ts';
import { within } from '../helpers/server.ts';

// The snapshot layer in front of a real node:http server, with a renderer that counts calls.
let version: number;
let renders: string[];
let release: (() => void) | null;
let gate: Promise<void> | null;
let failing: boolean;
/** The page's body by key and version (null: the short default). */
let bodyOf: ((key: string, version: number) => string) | null;
let server: Server;
let url: string;
let snapshots: Snapshots;

beforeEach(async () => {
  version = 1;
  renders = [];
  gate = null;
  failing = false;
  bodyOf = null;
  const render = async (key: string): Promise<Rendered> => {
    renders.push(key);
    if (gate) await gate;
    if (failing) throw new Error('the database is out of reach');
    return { status: 200, contentType: 'text/html; charset=utf-8', body: bodyOf?.(key, version) ?? `<p>${key} at version ${version}</p>`.repeat(50) };
  };
  snapshots = new Snapshots({
    routes: [{ key: pageKey, moved: canonicalPath, render, headers: { 'x-test': 'yes' } }],
    version: () => version,
    logger: silentLogger,
    bypassHeader: ['x-bypass', 'secret'],
  });
  server = createServer((req, res) => {
    if (snapshots.handle(req, res)) return;
    // As the server answers a path no page matches: with the not-found page's snapshot (here `/`).
    if (req.url === '/no-page-here' && snapshots.answerWith('/', req, res)) return;
    res.writeHead(418).end('not a snapshot');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => new Promise<void>((r) => server.close(() => r())));

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${url}${path}`, { headers: { 'accept-encoding': 'identity', ...headers } });
/** `/` as sent, not decoded: its status, content encoding and bytes (headers given as a client writes them). */
const raw = (headers: Record<string, string | string[]>) =>
  new Promise<{ status: number; encoding: string | undefined; body: Buffer }>((resolve, reject) =>
    request(`${url}/`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end(),
  );
const hold = () => {
  gate = new Promise<void>((r) => (release = r));
};

describe('serving', () => {
  test('one render serves every request until the data changes; then one more', async () => {
    const bodies = await Promise.all(Array.from({ length: 20 }, async () => (await get('/')).text()));
    expect(new Set(bodies).size).toBe(1);
    expect(renders).toEqual(['/']);
    version = 2;
    snapshots.refresh();
    await within(1000, async () => (await (await get('/')).text()).includes('version 2'));
    expect(renders).toEqual(['/', '/']);
  });

  test('while a rebuild runs, requests get the previous snapshot, and only one rebuild runs (no stampede)', async () => {
    await get('/');
    version = 2;
    hold();
    const during = await Promise.all(Array.from({ length: 50 }, async () => (await get('/')).text()));
    expect(during.every((b) => b.includes('version 1'))).toBe(true);
    expect(renders).toEqual(['/', '/']);
    release!();
    await within(1000, async () => (await (await get('/')).text()).includes('version 2'));
    expect(renders).toHaveLength(2);
  });

  test('the database out of reach: a page not asked for since the data changed answers its last snapshot, not an error', async () => {
    await get('/');
    version = 2;
    snapshots.refresh(); // nobody asked for / since its build: it turns cold, to be built fresh when asked for
    failing = true;
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('version 1');
    expect(renders).toEqual(['/', '/']);
    // Back: the next request builds it fresh.
    failing = false;
    expect(await (await get('/')).text()).toContain('version 2');
  });

  test('the database slow to answer: a cold page waits a second for its rebuild, then answers its last snapshot; the rebuild serves the next visitor', async () => {
    await get('/');
    version = 2;
    snapshots.refresh();
    hold(); // the rebuild hangs, as on a frozen database
    const started = performance.now();
    const res = await get('/');
    const waited = performance.now() - started;
    expect(await res.text()).toContain('version 1');
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(waited).toBeLessThan(5000);
    release!();
    await within(2000, async () => (await (await get('/')).text()).includes('version 2'));
    expect(renders).toEqual(['/', '/']);
  });

  test('concurrent first requests share one render', async () => {
    hold();
    const pending = Array.from({ length: 10 }, () => get('/history'));
    await within(1000, async () => renders.length === 1); // the one render has begun, the rest wait on it
    release!();
    const statuses = (await Promise.all(pending)).map((r) => r.status);
    expect(statuses).toEqual(Array(10).fill(200));
    expect(renders).toEqual(['/history?page=1']);
  });

  test('many pages asked for at once render two at a time, a page read again ahead of the others; every request is answered', async () => {
    await get('/');
    await get('/'); // read again: popular
    hold();
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const pending = ids.map((id) => get(`/incidents/${id}`));
    await within(1000, async () => renders.length === 3);
    version = 2;
    snapshots.refresh(); // `/` is rebuilt: it waits for a slot too, ahead of the pages asked for once
    // Nothing else starts while both slots are taken.
    await get('/');
    expect(renders).toEqual(['/', '/incidents/a', '/incidents/b']);
    release!();
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(renders.slice(3, 5)).toEqual(['/', '/incidents/c']);
    expect(renders).toHaveLength(3 + 1 + 4);
  });

  test('unknown query parameters do not make new snapshots', async () => {
    await get('/?utm=1');
    await get('/?cache-buster=2');
    await get('/history?page=abc');
    await get('/history?page=1&x=y');
    expect(renders).toEqual(['/', '/history?page=1']);
  });

  test('paths that are not snapshot pages pass through, and so does the renderer’s own request', async () => {
    expect((await get('/subscriptions/manage?token=x')).status).toBe(418);
    expect((await get('/', { 'x-bypass': 'secret' })).status).toBe(418);
    expect((await fetch(`${url}/`, { method: 'POST' })).status).toBe(418);
  });

  test('a page asked for with a trailing slash is a permanent redirect to its path, query kept, with no render', async () => {
    for (const [asked, location] of [
      ['/incidents/inc1/', '/incidents/inc1'],
      ['/history/?page=2', '/history?page=2'],
    ]) {
      const res = await fetch(`${url}${asked}`, { redirect: 'manual' });
      expect(res.status).toBe(301);
      expect(res.headers.get('location')).toBe(location);
    }
    expect(renders).toEqual([]);
  });

  test('a request answered with another path’s snapshot: one render, then from memory', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, async () => (await get('/no-page-here')).text()));
    expect(answers.every((a) => a.includes('<p>/ at version 1</p>'))).toBe(true);
    expect((await get('/')).headers.get('etag')).toBeTruthy();
    expect(renders).toEqual(['/']);
  });
});

describe('HTTP caching', () => {
  test('a strong ETag, 304 on If-None-Match, Cache-Control for CDNs, Vary', async () => {
    const first = await get('/');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    expect(first.headers.get('cache-control')).toBe('public, max-age=10, stale-while-revalidate=30');
    expect(first.headers.get('vary')).toBe('Accept-Encoding');
    expect(first.headers.get('x-test')).toBe('yes');
    const revalidated = await get('/', { 'if-none-match': etag });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe('');
    expect((await get('/', { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);
    expect((await get('/', { 'if-none-match': '"stale"' })).status).toBe(200);
    version = 2;
    snapshots.refresh();
    await within(1000, async () => renders.length === 2 && (await get('/', { 'if-none-match': etag })).status === 200);
    const changed = await get('/', { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  test('request headers are read whatever their case, repeated ones together (as Node joins them)', async () => {
    const etag = (await get('/')).headers.get('etag')!;
    expect(await raw({ 'IF-NONE-MATCH': etag })).toMatchObject({ status: 304 });
    expect(await raw({ 'If-None-Match': ['"other"', etag] })).toMatchObject({ status: 304 });
    expect(await raw({ 'Accept-Encoding': ['identity', 'br'] })).toMatchObject({ status: 200, encoding: 'br' });
    expect(await raw({ 'ACCEPT-ENCODING': 'gzip' })).toMatchObject({ status: 200, encoding: 'gzip' });
    expect(await raw({ 'X-Bypass': 'secret' })).toMatchObject({ status: 418 });
  });

  test('gzip and brotli variants, compressed once, chosen by Accept-Encoding', async () => {
    const plain = await (await get('/')).text();
    const br = await fetch(`${url}/`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(await br.text()).toBe(plain); // fetch decodes brotli
    const gz = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve) => {
      import('node:http').then(({ get: httpGet }) =>
        httpGet(`${url}/`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        }),
      );
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(plain);
    expect(Number(gz.headers['content-length'])).toBeLessThan(plain.length / 5);
    expect(renders).toHaveLength(1);
  });

  test.each([20, 1_008, 1_009, 4_080, 4_081, 70_000, 300_000])(
    'a page of %i bytes: its brotli variant decodes to it, built quickly and rebuilt small',
    async (size) => {
      // Text that varies along the page, so each window size has something to find.
      bodyOf = (key, v) => `${key} v${v} ${Array.from({ length: size }, (_, i) => String.fromCharCode(97 + ((i * i + v) % 26))).join('')}`.slice(0, size);
      const brotliOf = async () => (await raw({ 'accept-encoding': 'br' })).body;
      expect(brotliDecompressSync(await brotliOf()).toString()).toBe(bodyOf('/', 1));
      // Asked for since its build: rebuilt at once, at the smaller setting.
      version = 2;
      snapshots.refresh();
      await within(5000, async () => (await (await get('/')).text()).startsWith('/ v2'));
      expect(brotliDecompressSync(await brotliOf()).toString()).toBe(bodyOf('/', 2));
    },
  );

  test.each([
    [0, 10],
    [1_008, 10],
    [1_009, 11],
    [4_080, 12],
    [4_081, 13],
    [366_204, 19],
    [2 ** 24 - 16, 24],
    [100_000_000, 24],
  ])('a body of %i bytes gets a brotli window of 2^%i', (bytes, bits) => {
    expect(brotliWindow(bytes)).toBe(bits);
  });

  test.each([
    [undefined, 'identity'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['identity', 'identity'],
    ['*', 'br'],
    ['*;q=0, identity', 'identity'],
  ] as const)('Accept-Encoding %s → %s', (header, expected) => {
    expect(negotiate(header)).toBe(expected);
  });
});

describe('isSitePath', () => {
  test.each([
    ['/', true],
    ['/incidents/abc', true],
    ['/admin', true],
    ['/admin/incidents/new', true],
    ['/subscriptions/manage', true],
    ['/robots.txt', true],
    ['/wp-login.php', false],
    ['/scan/1.php', false],
    ['/.env', false],
    ['/incidentsx/abc', false],
    ['//incidents', false],
  ] as const)('%s → %s', (path, expected) => {
    expect(isSitePath(path)).toBe(expected);
  });

  test('the sections are what site/pages holds (a page added there is a section here)', () => {
    const sections = readdirSync(new URL('../../site/pages/', import.meta.url)).map((name) => name.replace(/\.(astro|ts)$/, '').replace(/^index$/, ''));
    expect([...new Set(sections)].sort()).toEqual([...SITE_SECTIONS].sort());
  });
});

describe('pageKey with an index of what exists', () => {
  const index = { ids: new Set(['inc1', 'mnt1']), historyPages: 3 };
  test.each([
    ['/incidents/inc1', '', null, '/incidents/inc1'],
    ['/incidents/unknown', '', null, '/incidents/unknown'],
    ['/incidents/inc1', '', index, '/incidents/inc1'],
    ['/maintenances/mnt1', '', index, '/maintenances/mnt1'],
    ['/incidents/unknown', '', index, '/404'],
    ['/maintenances/inc2', '', index, '/404'],
    ['/history', 'page=3', index, '/history?page=3'],
    ['/history', 'page=4', index, '/404'],
    ['/history', 'page=4', null, '/history?page=4'],
    ['/history', 'page=x', index, '/history?page=1'],
    ['/', '', index, '/'],
    ['/incidents/INC1', '', null, '/404'],
    ['/incidents/inc1.html', '', index, '/404'],
    ['/problems/not_found', '', null, '/problems/not_found'],
    ['/problems/no_such_code', '', index, '/404'],
    ['/problems/constructor', '', index, '/404'],
    ['/subscribe', '', index, '/subscribe'],
    ['/subscribe', 'utm_source=mail', null, '/subscribe'],
    ['/subscribe', 'sent', index, '/subscribe?sent'],
    ['/subscribe', 'error=email', index, '/subscribe?error=email'],
    ['/subscribe', 'error=endpoint', index, '/subscribe?error=endpoint'],
    ['/subscribe', 'error=%3Cscript%3E', index, '/subscribe'],
    ['/subscriptions/manage', 'token=x', index, null],
  ] as const)('%s?%s (index: %j) → %s', (path, query, idx, key) => {
    expect(pageKey(path, query, idx)).toBe(key);
  });
});

test.each([
  ['/incidents/inc1/', '/incidents/inc1'],
  ['/maintenances/mnt1/', '/maintenances/mnt1'],
  ['/history/', '/history'],
  ['/incidents/inc1', null],
  ['/', null],
  ['/incidents/', null],
  ['/incidents/a/b/', null],
  ['/admin/', null],
  ['//evil.example/', null],
] as const)('a trailing slash: %s lives at %s', (path, canonical) => {
  expect(canonicalPath(path)).toBe(canonical);
});

test('compressing a large page does not hold up the event loop', async () => {
  // ≈ 3 MB of varied text: brotli at the popular setting works on it for a good part of a second.
  const words = Array.from({ length: 5000 }, (_, i) => `w${(i * 7919) % 104729}`);
  const body = Array.from({ length: 400_000 }, (_, i) => words[(i * 31 + (i >> 7)) % words.length]).join(' ');
  const big = new Snapshots({
    routes: [{ key: pageKey, render: async () => ({ status: 200, contentType: 'text/html; charset=utf-8', body }) }],
    version: () => 1,
    logger: silentLogger,
  });
  let longest = 0;
  let done = false;
  let last = performance.now();
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (!done) setImmediate(tick);
  };
  await new Promise((resolve) => setImmediate(resolve));
  setImmediate(tick);
  const started = performance.now();
  await big.prebuild('/');
  const took = performance.now() - started;
  done = true;
  longest = Math.max(longest, performance.now() - last);
  expect(big.has('/')).toBe(true);
  // The build took long (it is mostly compression), yet the loop kept turning throughout.
  expect(took).toBeGreaterThan(100);
  expect(longest).toBeLessThan(took / 4);
});
