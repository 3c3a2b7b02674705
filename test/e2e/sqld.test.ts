import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { settings } from '../../db/schema/index.ts';
import { createDb, type Database } from '../../db/client.ts';
import { createApp } from '../../api/app.ts';
import { silentLogger } from '../../api/log.ts';
import type { ServiceContext } from '../../api/services/context.ts';
import { createComponent } from '../../api/services/components/create.ts';
import { getComponent } from '../../api/services/components/list.ts';
import { declareIncident } from '../../api/services/incidents/declare.ts';
import { postIncidentUpdate } from '../../api/services/incidents/post-update.ts';
import { getIncident } from '../../api/services/incidents/get.ts';
import { createApiKey, revokeApiKey } from '../../api/services/keys/api-keys.ts';
import { SYSTEM_ACTOR } from '../../api/services/context.ts';
import { startSqld, type Sqld } from '../../scripts/processes.ts';
import { expectSameRowsAsUsual } from '../helpers/one-value.ts';

// Remote mode: the same services against a real libSQL server, as several Candor instances
// behind a load balancer would run, over both of its transports (HTTP and a WebSocket).
describe.each([
  { transport: 'HTTP', url: (s: Sqld) => s.url },
  { transport: 'a WebSocket', url: (s: Sqld) => s.wsUrl },
])('over $transport', ({ url }) => {
  let sqld: Sqld;
  let a: Database;
  let b: Database;
  beforeAll(async () => {
    sqld = await startSqld();
    a = await createDb(url(sqld));
    b = await createDb(url(sqld));
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

  test("rows sent as one JSON value are the query's usual rows, in its order, typed alike", async () => {
    await expectSameRowsAsUsual(a);
  });

  test('the admin API runs on sqld: a key made by one instance works on the other', async () => {
    const {
      key: { id: keyId },
      secret,
    } = await createApiKey({ database: a, now: () => new Date() }, { name: 'remote', scopes: ['admin'] });
    const app = createApp({ ctx: { database: b, now: () => new Date() }, logger: silentLogger });
    const res = await app.request('/api/admin/v1/incidents', {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Via HTTP on sqld', severity: 'SEV-2', body: 'Looking' }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect((await getIncident({ database: a, now: () => new Date() }, id)).title).toBe('Via HTTP on sqld');

    // Revoked on the first instance: refused there at once, and by the other within a second
    // (it keeps a key it verified for that long).
    const one = createApp({ ctx: { database: a, now: () => new Date() }, logger: silentLogger });
    const two = app;
    const list = (app: typeof one) => app.request('/api/admin/v1/incidents', { headers: { authorization: `Bearer ${secret}` } });
    expect((await list(one)).status).toBe(200);
    expect((await list(two)).status).toBe(200);
    await revokeApiKey({ database: a, now: () => new Date() }, keyId);
    const revoked = performance.now();
    expect((await list(one)).status).toBe(401);
    while ((await list(two)).status === 200) await new Promise((r) => setTimeout(r, 20));
    expect(performance.now() - revoked).toBeLessThan(1500);
    expect((await list(two)).status).toBe(401);
  });

  test('with its sqld down, an instance answers 503 with Retry-After: alive, not ready', async () => {
    const own = await startSqld();
    const database = await createDb(url(own));
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

  test('a commit that fails writes nothing and leaves the connection as it was: the next commits go through', async () => {
    const read = (key: string) => b.db.select().from(settings).where(eq(settings.key, key)).get();
    const failed = a.commit([a.db.insert(settings).values({ key: 'half', value: '1' }), a.db.insert(settings).values({ key: 'half', value: '2' })]);
    await expect(failed).rejects.toThrow(/UNIQUE constraint failed/);
    expect(await read('half')).toBeUndefined();
    // Each read and write again, more at once than a client keeps connections open for.
    await Promise.all(Array.from({ length: 30 }, (_, i) => a.commit([a.db.insert(settings).values({ key: `after-${i}`, value: String(i) })])));
    const rows = await Promise.all(Array.from({ length: 30 }, (_, i) => read(`after-${i}`)));
    expect(rows.map((r) => r?.value)).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
  });

  test('a frozen sqld: each call fails as timed out within its deadline, and the next calls work once it answers again', async () => {
    const own = await startSqld();
    const database = await createDb(url(own), { timeoutMs: 1000 });
    try {
      await database.migrate();
      own.child.kill('SIGSTOP');
      const started = performance.now();
      const frozen = await Promise.allSettled([database.changeCount(), database.commit([])]);
      expect(performance.now() - started).toBeLessThan(3000);
      for (const call of frozen) {
        expect(call.status).toBe('rejected');
        expect(chainOf((call as PromiseRejectedResult).reason).some((e) => e.name === 'TimeoutError')).toBe(true);
      }
      own.child.kill('SIGCONT');
      await expect(database.commit([])).resolves.toBeUndefined();
      expect(await database.changeCount()).toBeGreaterThan(0);
    } finally {
      own.child.kill('SIGCONT');
      database.close();
      await own.stop();
    }
  });
});

/** An error and the errors it wraps. */
function chainOf(err: unknown): Error[] {
  const chain: Error[] = [];
  for (let e = err; e instanceof Error && chain.length < 8; e = e.cause) chain.push(e);
  return chain;
}
