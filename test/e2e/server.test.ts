import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exitOf, ROOT, waitForLine } from '../../scripts/processes.ts';
import { createDb } from '../../db/client.ts';
import { childrenOf, createSiteFixture, startServer as startWithDelivery, within } from '../helpers/server.ts';

const run = promisify(execFile);

/** The real server process on a free port with a temp database, as `npm start` runs it. */
async function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['api/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [, url] = await waitForLine(child, /"msg":"listening","url":"(http:\/\/[^"]+)"/);
  return { child, url: url! };
}

/** `npm run candor -- …` against the same database, as an operator would. */
async function candor(env: Record<string, string>, ...args: string[]) {
  const { stdout } = await run('npm', ['run', '--silent', 'candor', '--', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  return stdout.trim().split('\n');
}

describe('the one server process', () => {
  let dir: string;
  let env: Record<string, string>;
  let server: { child: ChildProcess; url: string };

  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'dist/server/entry.mjs')), 'run `npm run build` first (npm test does)').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'candor-e2e-'));
    env = { DATABASE_URL: `file:${join(dir, 'candor.db')}`, CANDOR_DEMO: '0' };
    server = await startServer(env);
  });
  afterAll(() => {
    server?.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('a key made with the CLI while the server runs drives the admin API over HTTP', async () => {
    const lines = await candor(env, 'keys', 'create', '--name', 'e2e', '--scope', 'admin');
    const key = lines.at(-1)!;
    expect(key).toMatch(/^candor_[a-z0-9]{12}_[0-9a-f]{64}$/);
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

    const component = await fetch(`${server.url}/api/admin/v1/components`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'Payments API' }) });
    expect(component.status).toBe(201);
    const { id: componentId } = (await component.json()) as { id: string };

    const declared = await fetch(`${server.url}/api/admin/v1/incidents`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        title: 'Card payments failing',
        severity: 'SEV-1',
        body: 'We are investigating.',
        components: [{ id: componentId, status: 'major_outage' }],
      }),
    });
    expect(declared.status).toBe(201);
    expect(declared.headers.get('x-request-id')).toBeTruthy();
    const { id } = (await declared.json()) as { id: string };

    const read = await fetch(`${server.url}/api/admin/v1/incidents/${id}`, { headers: auth });
    expect(await read.json()).toMatchObject({
      id,
      title: 'Card payments failing',
      status: 'investigating',
      components: [{ id: componentId, status: 'major_outage' }],
    });

    // The page is rendered by Astro inside the same process, from the same database.
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('Payments API');
    expect(html).toContain('data-status="major_outage"');

    const listed = await candor(env, 'keys', 'list');
    expect(listed.join('\n')).toMatch(/e2e {2}\[admin\] {2}created .* last used .* active/);
  });

  test('over HTTP a body past 64 KB is a 413 whether its length is stated or it comes in chunks; a chunked body within it is read', async () => {
    const key = (await candor(env, 'keys', 'create', '--name', 'limits', '--scope', 'admin')).at(-1)!;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const components = async () => ((await (await fetch(`${server.url}/api/admin/v1/components`, { headers })).json()) as unknown[]).length;
    const before = await components();
    const json = (description: string) => JSON.stringify({ name: 'Big', description });
    const chunked = (text: string) =>
      new ReadableStream({
        start(c) {
          const bytes = new TextEncoder().encode(text);
          for (let i = 0; i < bytes.length; i += 8192) c.enqueue(bytes.subarray(i, i + 8192));
          c.close();
        },
      });
    const stated = await fetch(`${server.url}/api/admin/v1/components`, { method: 'POST', headers, body: json('x'.repeat(70_000)) });
    const streamed = await fetch(`${server.url}/api/admin/v1/components`, {
      method: 'POST',
      headers,
      body: chunked(json('x'.repeat(70_000))),
      duplex: 'half',
    } as RequestInit);
    for (const res of [stated, streamed]) {
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ code: 'body_too_large', errors: [{ path: '$', message: 'at most 65536 bytes' }] });
    }
    expect(await components()).toBe(before);
    const small = await fetch(`${server.url}/api/admin/v1/components`, {
      method: 'POST',
      headers,
      body: chunked(JSON.stringify({ name: 'Chunked' })),
      duplex: 'half',
    } as RequestInit);
    expect(small.status).toBe(201);
    expect(await small.json()).toMatchObject({ name: 'Chunked' });
  });

  test('a key revoked with the CLI is refused at once', async () => {
    const key = (await candor(env, 'keys', 'create', '--name', 'temp', '--scope', 'read')).at(-1)!;
    const id = key.split('_')[1]!;
    expect((await fetch(`${server.url}/api/admin/v1/components`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect(await candor(env, 'keys', 'revoke', id)).toEqual([`Revoked API key ${id} "temp".`]);
    expect((await fetch(`${server.url}/api/admin/v1/components`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });

  test('the CLI refuses a key without a valid scope, naming it', async () => {
    await expect(candor(env, 'keys', 'create', '--name', 'x', '--scope', 'root')).rejects.toMatchObject({
      stderr: expect.stringContaining('scopes: unknown scope root; use admin, incidents:write, read'),
    });
  });

  test('SIGTERM finishes in-flight work, closes the database and exits 0', async () => {
    const { child } = server;
    const stopped = waitForLine(child, /"msg":"stopped"/);
    child.kill('SIGTERM');
    await stopped;
    expect(await exitOf(child)).toBe(0);
  });
});

test('an empty database gets the demo page unless CANDOR_DEMO=0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'candor-demo-'));
  const env = { DATABASE_URL: `file:${join(dir, 'candor.db')}` };
  const server = await startServer(env);
  try {
    const html = await (await fetch(`${server.url}/`)).text();
    for (const name of ['API', 'Dashboard', 'Webhooks', 'Documentation']) expect(html).toContain(name);
    const key = (await candor(env, 'keys', 'create', '--name', 'demo', '--scope', 'read')).at(-1)!;
    const res = await fetch(`${server.url}/api/admin/v1/incidents`, { headers: { authorization: `Bearer ${key}` } });
    const { data } = (await res.json()) as { data: { status: string; updates: unknown[] }[] };
    expect(data.map((i) => [i.status, i.updates.length])).toEqual([
      ['identified', 2],
      ['resolved', 4],
    ]);
    const components = await fetch(`${server.url}/api/admin/v1/components`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await components.json()) as { data: unknown[] }).data).toHaveLength(8);
  } finally {
    server.child.kill('SIGTERM');
    await exitOf(server.child);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('db backup copies the database while the server writes; db restore refuses while it runs, then brings back every row up to the backup', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'candor-backup-'));
  const env = { DATABASE_URL: `file:${join(dir, 'candor.db')}`, CANDOR_DEMO: '0' };
  let server = await startServer(env);
  try {
    const key = (await candor(env, 'keys', 'create', '--name', 'load', '--scope', 'admin')).at(-1)!;
    const declare = (n: number) =>
      fetch(`${server.url}/api/admin/v1/incidents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `Load ${n}`, severity: 'SEV-4', body: 'b' }),
      });
    // Writes, one after another, for as long as the backup runs.
    let writing = true;
    let written = 0;
    const load = (async () => {
      while (writing) if ((await declare(written)).status === 201) written++;
    })();
    await within(5000, async () => written >= 5);
    const backup = join(dir, 'backup.db');
    await candor(env, 'db', 'backup', backup);
    writing = false;
    await load;
    await expect(candor(env, 'db', 'restore', backup)).rejects.toThrow(/An instance is running on this database/);

    // The copy holds a prefix of the writes: every incident up to its moment, none missing.
    const copy = await createDb(`file:${backup}`);
    const titles = (await copy.client.execute('SELECT title FROM incidents')).rows.map((r) => Number(String(r.title).slice('Load '.length)));
    expect((await copy.client.execute('PRAGMA integrity_check')).rows[0]?.integrity_check).toBe('ok');
    copy.close();
    const k = titles.length;
    expect(k).toBeGreaterThanOrEqual(5);
    expect(k).toBeLessThanOrEqual(written);
    expect(titles.sort((a, b) => a - b)).toEqual(Array.from({ length: k }, (_, i) => i));

    // Stopped, restored, started: the server serves exactly the backup's incidents.
    server.child.kill('SIGTERM');
    await exitOf(server.child);
    await candor(env, 'db', 'restore', backup);
    server = await startServer(env);
    const listed = await fetch(`${server.url}/api/admin/v1/incidents?limit=1`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await listed.json()) as { data: { title: string }[] }).data.map((i) => i.title)).toEqual([`Load ${k - 1}`]);
    const restored = await createDb(env.DATABASE_URL);
    expect((await restored.client.execute('SELECT count(*) AS n FROM incidents')).rows[0]?.n).toBe(k);
    restored.close();
  } finally {
    server.child.kill('SIGTERM');
    await exitOf(server.child);
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test('the server and its delivery process keep serving when their log reader goes away, and count the lines dropped', async () => {
  const fixture = await createSiteFixture();
  const outbox = mkdtempSync(join(tmpdir(), 'candor-outbox-'));
  const server = await startWithDelivery({ DATABASE_URL: fixture.databaseUrl, CANDOR_OUTBOX_DIR: outbox });
  try {
    const delivery = childrenOf(server.child.pid!);
    expect(delivery).toHaveLength(1);
    // The reader of both processes' stdout (a log collector) is gone: their next line there fails.
    server.child.stdout!.destroy();
    const subscribe = async (email: string) => {
      const res = await fetch(`${server.url}/subscribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
      expect(res.status).toBe(202);
    };
    // Each request logs a line; the delivery process logs each email it writes.
    await subscribe('first@example.com');
    await within(10_000, async () => server.log.some((l) => l.includes('"msg":"stdout failed; its log lines are dropped from now on"')));
    await within(10_000, async () => readdirSync(outbox).length === 1);
    await subscribe('second@example.com');
    await within(10_000, async () => readdirSync(outbox).length === 2);

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/`)).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${fixture.adminKey}` } })).text();
    expect(Number(/^candor_log_lines_dropped_total\{stream="stdout"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^candor_log_lines_dropped_total\{stream="stderr"\} 0$/m);
    // Neither process died on the way: the same delivery process, no restart said on stderr.
    expect(server.child.exitCode).toBeNull();
    expect(childrenOf(server.child.pid!)).toEqual(delivery);
    expect(server.log.join('\n')).not.toContain('the delivery process stopped');
  } finally {
    await server.stop();
    fixture.cleanup();
    rmSync(outbox, { recursive: true, force: true });
  }
}, 60_000);
