import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { snapshot } from '../helpers/db.ts';
import { revokeApiKey } from '../../api/services/keys/api-keys.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.cleanup());

const declareBody = { title: 'x', severity: 'SEV-1', body: 'b' };

/** A refused request: the right status and problem, and the handler never ran (nothing written). */
async function expectRefused(options: { key?: string | null; headers?: Record<string, string> }, status: number, errors: unknown[]) {
  const before = await snapshot(t.database);
  const res = await t.call('POST', '/incidents', { body: declareBody, ...options });
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.json).toMatchObject({ status, errors });
  expect(await snapshot(t.database)).toEqual(before);
  return res;
}

describe('authentication', () => {
  test('no Authorization header → 401 with a Bearer challenge', async () => {
    const res = await expectRefused({ key: null }, 401, [{ path: 'Authorization', message: 'missing' }]);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="candor-admin"');
    expect(res.json.detail).toBe('Send an API key as `Authorization: Bearer <key>`');
  });

  test('not a Bearer token → 401', async () => {
    await expectRefused({ key: null, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } }, 401, [{ path: 'Authorization', message: 'not a Bearer token' }]);
  });

  test.each([
    ['garbage', 'nonsense'],
    ['a well-formed key that was never issued', `candor_aaaaaaaaaaaa_${'0'.repeat(64)}`],
  ])('%s → 401', async (_, key) => {
    await expectRefused({ key }, 401, [{ path: 'Authorization', message: 'unknown or revoked key' }]);
  });

  test('a real key id with the wrong secret → 401', async () => {
    const forged = t.keys.admin.replace(/_[0-9a-f]{64}$/, `_${'f'.repeat(64)}`);
    expect(forged).not.toBe(t.keys.admin);
    await expectRefused({ key: forged }, 401, [{ path: 'Authorization', message: 'unknown or revoked key' }]);
  });

  test('a revoked key → 401 at once', async () => {
    expect((await t.call('GET', '/incidents')).status).toBe(200);
    const id = /^candor_([a-z0-9]{12})_/.exec(t.keys.admin)![1]!;
    await revokeApiKey(t.ctx, id);
    await expectRefused({ key: t.keys.admin }, 401, [{ path: 'Authorization', message: 'unknown or revoked key' }]);
  });

  test('the secret is stored only as its sha256', async () => {
    const rows = await t.database.client.execute('SELECT secret_hash FROM api_keys');
    const secret = t.keys.admin.split('_')[2]!;
    const { createHash } = await import('node:crypto');
    expect(rows.rows.map((r) => r.secret_hash)).toContain(createHash('sha256').update(secret).digest('hex'));
    const everything = JSON.stringify(await snapshot(t.database));
    expect(everything).not.toContain(secret);
  });
});

describe('scopes', () => {
  test('a read key cannot declare → 403, and nothing is written', async () => {
    const res = await expectRefused({ key: t.keys.reader }, 403, [{ path: 'Authorization', message: 'needs scope incidents:write (or admin); key has read' }]);
    expect(res.json.code).toBe('forbidden');
  });

  test('a responder key cannot manage components → 403', async () => {
    const before = await snapshot(t.database);
    const res = await t.call('POST', '/components', { key: t.keys.writer, body: { name: 'x' } });
    expect(res.status).toBe(403);
    expect(res.json.errors).toEqual([{ path: 'Authorization', message: 'needs scope admin (or admin); key has incidents:write' }]);
    expect(await snapshot(t.database)).toEqual(before);
  });

  test('the scope is checked before the body is even read (a bad body still gets 403)', async () => {
    const res = await t.call('POST', '/incidents', { key: t.keys.reader, body: '{broken' });
    expect(res.status).toBe(403);
  });

  test.each([
    ['read', 'GET', '/components', 200],
    ['read', 'GET', '/incidents', 200],
    ['writer', 'GET', '/incidents', 200],
    ['writer', 'POST', '/incidents', 201],
    ['admin', 'POST', '/incidents', 201],
  ] as const)('%s key may %s %s', async (who, method, path, status) => {
    const key = who === 'read' ? t.keys.reader : who === 'writer' ? t.keys.writer : t.keys.admin;
    const res = await t.call(method, path, { key, body: method === 'POST' ? declareBody : undefined });
    expect(res.status).toBe(status);
  });

  test('the OpenAPI document is public and lists every operation with its scope', async () => {
    const res = await t.call('GET', '/openapi.json', { key: null });
    expect(res.status).toBe(200);
    expect(res.json.openapi).toBe('3.1.0');
    expect(Object.keys(res.json.paths)).toEqual(
      expect.arrayContaining([
        '/components',
        '/components/{id}',
        '/component-groups',
        '/incidents',
        '/incidents/{id}',
        '/incidents/{id}/updates',
        '/incidents/{id}/reopen',
        '/maintenances',
        '/maintenances/{id}',
        '/maintenances/{id}/updates',
        '/maintenances/{id}/cancel',
      ]),
    );
    const schedule = res.json.paths['/maintenances'].post;
    expect(schedule.security).toEqual([{ bearer: ['incidents:write'] }]);
    expect(schedule.requestBody.content['application/json'].schema.required).toEqual(['title', 'body', 'scheduled_for', 'scheduled_until']);
    const declare = res.json.paths['/incidents'].post;
    expect(declare.security).toEqual([{ bearer: ['incidents:write'] }]);
    expect(declare.requestBody.content['application/json'].schema.required).toEqual(['title', 'severity', 'body']);
    expect(declare.requestBody.content['application/json'].schema.properties.severity.enum).toEqual(['SEV-1', 'SEV-2', 'SEV-3', 'SEV-4']);
    expect(res.json.paths['/incidents'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['limit', 'cursor', 'status', 'state', 'severity']);
  });
});
