import { afterEach, beforeEach, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { snapshot } from '../helpers/db.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.cleanup());

const body = { title: 'API errors', severity: 'SEV-2', body: 'Investigating' };

test('a retried POST with the same Idempotency-Key returns the first response and creates nothing new', async () => {
  const first = await t.call('POST', '/incidents', { body, headers: { 'idempotency-key': 'retry-1' } });
  expect(first.status).toBe(201);
  const after = await snapshot(t.database);
  const retry = await t.call('POST', '/incidents', { body, headers: { 'idempotency-key': 'retry-1' } });
  expect(retry.status).toBe(201);
  expect(retry.headers.get('idempotent-replayed')).toBe('true');
  expect(retry.text).toBe(first.text);
  expect(await snapshot(t.database)).toEqual(after);
  expect((await t.call('GET', '/incidents')).json.data).toHaveLength(1);
});

test('concurrent retries with one key create one incident', async () => {
  const results = await Promise.all(Array.from({ length: 5 }, () => t.call('POST', '/incidents', { body, headers: { 'idempotency-key': 'burst' } })));
  const created = results.filter((r) => r.status === 201);
  expect(created.length).toBeGreaterThanOrEqual(1);
  for (const r of results.filter((r) => r.status !== 201)) {
    expect(r.status).toBe(409);
    expect(r.json.code).toBe('idempotency_in_progress');
  }
  expect(new Set(created.map((r) => r.json.id)).size).toBe(1);
  expect((await t.call('GET', '/incidents')).json.data).toHaveLength(1);
});

test('the same key with a different body is refused (422) and writes nothing', async () => {
  await t.call('POST', '/incidents', { body, headers: { 'idempotency-key': 'k' } });
  const before = await snapshot(t.database);
  const res = await t.call('POST', '/incidents', { body: { ...body, title: 'Other' }, headers: { 'idempotency-key': 'k' } });
  expect(res.status).toBe(422);
  expect(res.json).toMatchObject({
    code: 'validation_failed',
    detail: 'This Idempotency-Key was used with a different request',
    errors: [{ path: 'Idempotency-Key', message: 'already used for a different request (POST /api/admin/v1/incidents)' }],
  });
  expect(await snapshot(t.database)).toEqual(before);
});

test('a failed first attempt frees the key, so the corrected retry runs', async () => {
  const bad = await t.call('POST', '/incidents', { body: { ...body, severity: 'SEV-9' }, headers: { 'idempotency-key': 'fix-me' } });
  expect(bad.status).toBe(422);
  const good = await t.call('POST', '/incidents', { body, headers: { 'idempotency-key': 'fix-me' } });
  expect(good.status).toBe(201);
});

test('keys are per API key: another key may use the same value', async () => {
  const a = await t.call('POST', '/incidents', { body, headers: { 'idempotency-key': 'shared' } });
  const b = await t.call('POST', '/incidents', { key: t.keys.writer, body, headers: { 'idempotency-key': 'shared' } });
  expect(b.status).toBe(201);
  expect(b.json.id).not.toBe(a.json.id);
});
