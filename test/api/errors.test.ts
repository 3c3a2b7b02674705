import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createTestApp, MINUTE, type CallOptions, type TestApp } from '../helpers/app.ts';
import { snapshot } from '../helpers/db.ts';

let t: TestApp;
let api: string;
let resolved: string;
beforeEach(async () => {
  t = await createTestApp();
  api = (await t.call('POST', '/components', { body: { name: 'API' } })).json.id;
  resolved = (await t.call('POST', '/incidents', { body: { title: 'old', severity: 'SEV-2', body: 'b' } })).json.id;
  await t.call('POST', `/incidents/${resolved}/updates`, { body: { status: 'resolved', body: 'done' } });
  t.clock.advance(MINUTE);
});
afterEach(() => t.cleanup());

const problem = (status: number, code: string, title: string, detail: string, instance: string, errors: { path: string; message: unknown }[]) => ({
  type: `/problems/${code}`,
  title,
  status,
  detail,
  instance: `/api/admin/v1${instance}`,
  code,
  request_id: expect.any(String),
  errors,
});

/** Sends a request that must be refused, and proves the database is exactly as it was. */
async function refused(method: string, path: string, options: CallOptions) {
  const before = await snapshot(t.database);
  const res = await t.call(method, path, options);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(await snapshot(t.database)).toEqual(before);
  return res;
}

const declare = (body: unknown) => refused('POST', '/incidents', { body });
const valid = { title: 'API errors', severity: 'SEV-2', body: 'Investigating' };

describe('bad input is a 4xx problem naming the field, and writes nothing', () => {
  test('a missing title', async () => {
    const res = await declare({ severity: 'SEV-1', body: 'x' });
    expect(res.status).toBe(422);
    expect(res.json).toEqual(
      problem(422, 'validation_failed', 'Unprocessable Content', 'The request has invalid fields', '/incidents', [
        { path: 'title', message: 'Invalid input: expected string, received undefined' },
      ]),
    );
  });

  test('an unknown severity', async () => {
    const res = await declare({ ...valid, severity: 'SEV-5' });
    expect(res.json).toEqual(
      problem(422, 'validation_failed', 'Unprocessable Content', 'The request has invalid fields', '/incidents', [
        { path: 'severity', message: 'Invalid option: expected one of "SEV-1"|"SEV-2"|"SEV-3"|"SEV-4"' },
      ]),
    );
  });

  test('fields of the wrong type, an unknown field, a blank title, all reported at once', async () => {
    const res = await declare({ title: '   ', severity: 'SEV-1', body: 42, deliver_notifications: 'yes', colour: 'red' });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([
      { path: 'title', message: 'must not be empty' },
      { path: 'body', message: 'Invalid input: expected string, received number' },
      { path: 'deliver_notifications', message: 'Invalid input: expected boolean, received string' },
      { path: 'colour', message: 'unknown field' },
    ]);
  });

  test('a component that does not exist, and one listed twice', async () => {
    const res = await declare({
      ...valid,
      components: [
        { id: api, status: 'major_outage' },
        { id: 'doesnotexist', status: 'major_outage' },
        { id: api, status: 'partial_outage' },
      ],
    });
    expect(res.json).toEqual(
      problem(422, 'validation_failed', 'Unprocessable Content', 'The request has invalid fields', '/incidents', [
        { path: 'components[1].id', message: 'no component with id doesnotexist' },
        { path: 'components[2].id', message: `component ${api} is listed more than once` },
      ]),
    );
  });

  test('a component status outside the enum', async () => {
    const res = await declare({ ...valid, components: [{ id: api, status: 'on_fire' }] });
    expect(res.json.errors).toEqual([{ path: 'components[0].status', message: expect.stringMatching(/^Invalid option: expected one of "operational"/) }]);
  });

  test('a start in the future', async () => {
    const res = await declare({ ...valid, started_at: '2030-01-01T00:00:00Z' });
    expect(res.json).toEqual(
      problem(422, 'validation_failed', 'Unprocessable Content', 'The request has invalid fields', '/incidents', [
        { path: 'started_at', message: 'must not be in the future (now is 2026-11-02T10:01:00.000Z)' },
      ]),
    );
  });

  test('a start that is not a timestamp', async () => {
    const res = await declare({ ...valid, started_at: 'yesterday' });
    expect(res.json.errors).toEqual([{ path: 'started_at', message: 'Invalid ISO datetime' }]);
  });

  test('declaring an incident as already resolved', async () => {
    const res = await declare({ ...valid, status: 'resolved' });
    expect(res.json.errors).toEqual([{ path: 'status', message: 'Invalid option: expected one of "investigating"|"identified"|"monitoring"' }]);
  });

  test('a transition out of resolved', async () => {
    const res = await refused('POST', `/incidents/${resolved}/updates`, { body: { status: 'investigating', body: 'again?' } });
    expect(res.status).toBe(409);
    expect(res.json).toEqual(
      problem(409, 'invalid_transition', 'Conflict', 'A resolved incident cannot move to investigating; reopen it instead', `/incidents/${resolved}/updates`, [
        { path: 'status', message: 'A resolved incident cannot move to investigating; reopen it instead' },
      ]),
    );
  });

  test('a resolving update that leaves a component down', async () => {
    const { json: inc } = await t.call('POST', '/incidents', { body: { ...valid, components: [{ id: api, status: 'major_outage' }] } });
    const res = await refused('POST', `/incidents/${inc.id}/updates`, {
      body: { status: 'resolved', body: 'done', components: [{ id: api, status: 'partial_outage' }] },
    });
    expect(res.json.errors).toEqual([{ path: 'components[0].status', message: 'a resolving update sets components to operational, not partial_outage' }]);
  });

  test('an incident that does not exist', async () => {
    const res = await refused('POST', '/incidents/nosuchincide/updates', { body: { status: 'identified', body: 'x' } });
    expect(res.json).toEqual(
      problem(404, 'not_found', 'Not Found', 'incident nosuchincide does not exist', '/incidents/nosuchincide/updates', [
        { path: 'id', message: 'no incident with id nosuchincide' },
      ]),
    );
  });

  test('a component group that does not exist', async () => {
    const res = await refused('POST', '/components', { body: { name: 'x', group_id: 'nosuchgroup1' } });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([{ path: 'group_id', message: 'no component group with id nosuchgroup1' }]);
  });

  test('malformed JSON', async () => {
    const res = await refused('POST', '/incidents', { body: '{"title": "x",' });
    expect(res.json).toEqual(
      problem(400, 'malformed_json', 'Bad Request', 'The body is not valid JSON', '/incidents', [{ path: '$', message: expect.stringMatching(/JSON/) }]),
    );
  });

  test('a body that is not an object', async () => {
    const res = await refused('POST', '/incidents', { body: '[1,2]' });
    expect(res.json.errors).toEqual([{ path: '$', message: 'Invalid input: expected object, received array' }]);
  });

  test('an empty body', async () => {
    const res = await refused('POST', '/incidents', { headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([{ path: '$', message: 'Invalid input: expected object, received undefined' }]);
  });

  test('a body that is not JSON', async () => {
    const res = await refused('POST', '/incidents', { body: 'title=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.json).toEqual(
      problem(415, 'unsupported_media_type', 'Unsupported Media Type', 'Send the body as application/json', '/incidents', [
        { path: 'Content-Type', message: 'expected application/json, got application/x-www-form-urlencoded' },
      ]),
    );
  });

  test('an oversized body (over 64 KB)', async () => {
    const res = await refused('POST', '/incidents', { body: { ...valid, body: 'x'.repeat(70_000) } });
    expect(res.json).toEqual(
      problem(413, 'body_too_large', 'Content Too Large', 'The body is larger than 65536 bytes', '/incidents', [{ path: '$', message: 'at most 65536 bytes' }]),
    );
  });

  test('a query parameter out of range, and a forged cursor', async () => {
    const res = await refused('GET', '/incidents?limit=1000&state=closed', {});
    expect(res.json.errors).toEqual([
      { path: 'limit', message: 'must be a whole number from 1 to 100' },
      { path: 'state', message: 'Invalid option: expected one of "open"|"resolved"' },
    ]);
    for (const limit of ['0x10', '1e2', '0', '-1', '2.5', '']) {
      const odd = await refused('GET', `/incidents?limit=${limit}`, {});
      expect(odd.json.errors).toEqual([{ path: 'limit', message: 'must be a whole number from 1 to 100' }]);
    }
    const cursor = await refused('GET', '/incidents?cursor=bm9wZQ', {});
    expect(cursor.json.errors).toEqual([{ path: 'cursor', message: 'not a cursor this API returned' }]);
  });

  test('a NUL character in any text (it would be stored and read back cut)', async () => {
    const res = await declare({ ...valid, title: 'API\u0000 errors', components: [{ id: 'x\u0000', status: 'major_outage' }] });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([
      { path: 'title', message: 'must not contain a NUL character' },
      { path: 'components[0].id', message: 'must not contain a NUL character' },
    ]);
  });

  test('a commander or escalation contact that is not an email address', async () => {
    const res = await declare({ ...valid, commander: '@alice', escalation_contact: 'the on-call' });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([
      { path: 'commander', message: 'not an email address' },
      { path: 'escalation_contact', message: 'not an email address' },
    ]);
  });

  test('an unknown admin route', async () => {
    const res = await refused('GET', '/nothing-here', {});
    expect(res.json).toEqual(problem(404, 'not_found', 'Not Found', 'No admin API route GET /api/admin/v1/nothing-here', '/nothing-here', []));
  });
});
