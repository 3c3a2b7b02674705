import { afterEach, beforeEach, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createApp } from '../../api/app.ts';
import { silentLogger } from '../../api/log.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.cleanup());

test('liveness needs no database; readiness answers 200 while the database answers', async () => {
  const live = await t.publicCall('GET', '/healthz');
  expect(live).toMatchObject({ status: 200, json: { status: 'ok' } });
  expect(live.headers.get('cache-control')).toBe('no-store');
  expect(await t.publicCall('GET', '/readyz')).toMatchObject({ status: 200, json: { status: 'ready' } });
});

test('without its database an instance is alive but not ready: 503 with Retry-After', async () => {
  t.database.close();
  expect((await t.publicCall('GET', '/healthz')).status).toBe(200);
  const ready = await t.publicCall('GET', '/readyz');
  expect(ready.status).toBe(503);
  expect(ready.headers.get('retry-after')).toBe('5');
  expect(ready.json).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/^database: /) });
});

test('an instance older than its database’s schema (a rolling deploy left it behind) is not ready, and says why', async () => {
  await t.database.client.execute("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('from-a-newer-build', 1)");
  const ready = await t.publicCall('GET', '/readyz');
  expect(ready.status).toBe(503);
  expect(ready.json.reason).toMatch(/this instance knows \d+; upgrade it/);
});

test('an instance whose public page is not built yet is not ready', async () => {
  let warm = false;
  const app = createApp({ ctx: { database: t.database, now: () => new Date() }, logger: silentLogger, warm: () => warm });
  expect((await app.request('/readyz')).status).toBe(503);
  expect(await (await app.request('/readyz')).json()).toMatchObject({ reason: 'the public page is not built yet' });
  warm = true;
  expect((await app.request('/readyz')).status).toBe(200);
});
