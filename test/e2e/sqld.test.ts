import { afterAll, beforeAll, expect, test } from 'vitest';
import { createDb, type Database } from '../../db/client.ts';
import { createApp } from '../../api/app.ts';
import { silentLogger } from '../../api/log.ts';
import type { ServiceContext } from '../../api/services/context.ts';
import { createComponent } from '../../api/services/components/create.ts';
import { getComponent } from '../../api/services/components/list.ts';
import { declareIncident } from '../../api/services/incidents/declare.ts';
import { postIncidentUpdate } from '../../api/services/incidents/post-update.ts';
import { getIncident } from '../../api/services/incidents/get.ts';
import { createApiKey } from '../../api/services/keys/api-keys.ts';
import { SYSTEM_ACTOR } from '../../api/services/context.ts';
import { startSqld } from '../../scripts/processes.ts';

// Remote mode: the same services against a real libSQL server over HTTP, as several Candor
// instances behind a load balancer would run.
let sqld: Awaited<ReturnType<typeof startSqld>>;
let a: Database;
let b: Database;
beforeAll(async () => {
  sqld = await startSqld();
  a = await createDb(sqld.url);
  b = await createDb(sqld.url);
  await Promise.all([a.migrate(), b.migrate()]);
});
afterAll(async () => {
  a?.close();
  b?.close();
  await sqld?.stop();
});

test('services write and read through sqld, and a second instance sees every change', async () => {
  const one: ServiceContext = { database: a, now: () => new Date() };
  const two: ServiceContext = { database: b, now: () => new Date() };
  const countBefore = await b.changeCount();

  const component = await createComponent(one, SYSTEM_ACTOR, { name: 'API' });
  const incident = await declareIncident(one, SYSTEM_ACTOR, {
    title: 'Remote-mode incident',
    severity: 'SEV-1',
    body: 'Investigating',
    components: [{ id: component.id, status: 'major_outage' }],
  });
  expect((await getComponent(two, component.id)).status).toBe('major_outage');
  expect(await b.changeCount()).toBeGreaterThan(countBefore);

  await postIncidentUpdate(two, SYSTEM_ACTOR, incident.id, { status: 'resolved', body: 'Fixed' });
  const seenByOne = await getIncident(one, incident.id);
  expect(seenByOne.status).toBe('resolved');
  expect(seenByOne.updates.map((u) => u.status)).toEqual(['resolved', 'investigating']);
  expect((await getComponent(one, component.id)).status).toBe('operational');
});

test('the admin API runs on sqld: a key made by one instance works on the other', async () => {
  const { secret } = await createApiKey({ database: a, now: () => new Date() }, { name: 'remote', scopes: ['admin'] });
  const app = createApp({ ctx: { database: b, now: () => new Date() }, logger: silentLogger });
  const res = await app.request('/api/admin/v1/incidents', {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Via HTTP on sqld', severity: 'SEV-2', body: 'Looking' }),
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  expect((await getIncident({ database: a, now: () => new Date() }, id)).title).toBe('Via HTTP on sqld');
});

test('with its sqld down, an instance answers 503 with Retry-After: alive, not ready', async () => {
  const own = await startSqld();
  const database = await createDb(own.url);
  await database.migrate();
  const { secret } = await createApiKey({ database, now: () => new Date() }, { name: 'down', scopes: ['admin'] });
  const app = createApp({ ctx: { database, now: () => new Date() }, logger: silentLogger });
  expect((await app.request('/readyz')).status).toBe(200);
  await own.stop();
  const res = await app.request('/api/admin/v1/incidents', { headers: { authorization: `Bearer ${secret}` } });
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('5');
  expect(await res.json()).toMatchObject({ code: 'database_unavailable', type: '/problems/database_unavailable', title: 'Service Unavailable' });
  expect((await app.request('/healthz')).status).toBe(200);
  expect((await app.request('/readyz')).status).toBe(503);
  database.close();
});
