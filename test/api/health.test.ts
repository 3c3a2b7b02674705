import { afterEach, beforeEach, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';

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
