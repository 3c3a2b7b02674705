import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { createDb, type Database } from '../../db/client.ts';
import { createApiKey } from '../../api/services/keys/api-keys.ts';
import { startCluster, type Cluster } from '../../scripts/cluster.ts';
import { freePort, startSqld } from '../../scripts/processes.ts';
import { createSiteFixture, startServer, within, type RunningServer } from '../helpers/server.ts';

// The cluster `npm run cluster` starts — a real sqld, three real Candor processes, real nginx in
// front — driven over HTTP: races from every instance, propagation, an instance killed, the
// database frozen, stopped and restarted; then the same with embedded replicas.

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; json: any; headers: Headers }>;

async function setUp(dir: string, replicas: boolean, env: Record<string, string> = {}) {
  const cluster = await startCluster({ dir, port: await freePort(), instances: replicas ? 2 : 3, replicas, env: { CANDOR_DEMO: '0', ...env } });
  const database = await createDb(cluster.sqld.url);
  const { secret } = await createApiKey({ database, now: () => new Date() }, { name: 'test', scopes: ['admin'] });
  const on =
    (base: string): Call =>
    async (method, path, body) => {
      const res = await fetch(`${base}/api/admin/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: await res.json().catch(() => undefined), headers: res.headers };
    };
  // A key made on the primary reaches replicas with their next sync (one pulse).
  await within(5000, async () => (await Promise.all(cluster.instances.map((i) => on(i.url)('GET', '/components')))).every((r) => r.status === 200));
  return { cluster, database, on };
}

/**
 * From every instance at once, for several rounds: two incidents on one component declared
 * together, each resolved from every instance while the other moves the component. Then every
 * incident is resolved exactly once, the component's timeline has no overlap and one open
 * interval, and the subscriber got each email once.
 */
async function hammer(via: Call[], database: Database) {
  const { json: component } = await via[0]!('POST', '/components', { name: 'API' });
  await via[0]!('POST', '/subscribers', { email: 'all@example.com', confirmed: true });
  const statuses = ['major_outage', 'partial_outage', 'degraded_performance'] as const;
  const resolves: number[] = [];
  const incidentIds: string[] = [];
  for (let round = 0; round < 6; round++) {
    // Two incidents on the one component, declared from two instances at once…
    const declared = await Promise.all(
      [0, 1].map((n) =>
        via[n]!('POST', '/incidents', {
          title: `Round ${round}.${n}`,
          severity: 'SEV-2',
          body: 'Investigating',
          customer_visible: true,
          components: [{ id: component.id, status: statuses[(round + n) % 3] }],
        }),
      ),
    );
    expect(declared.map((d) => d.status)).toEqual([201, 201]);
    const [x, y] = declared.map((d) => d.json.id as string);
    incidentIds.push(x!, y!);
    // …then each resolved from all three instances at once, while the other moves the component.
    const answers = await Promise.all([
      ...via.map((call) => call('POST', `/incidents/${x}/updates`, { status: 'resolved', body: 'Fixed' })),
      via[2]!('POST', `/incidents/${y}/updates`, { status: 'identified', body: 'Found it', components: [{ id: component.id, status: statuses[round % 3] }] }),
      ...via.map((call) => call('POST', `/incidents/${y}/updates`, { status: 'resolved', body: 'Fixed' })),
    ]);
    for (const a of answers) expect([201, 409]).toContain(a.status);
    // (The "identified" answer shows the incident as it is by then: maybe already resolved by another.)
    const resolveAnswers = answers.filter((_, i) => i !== via.length);
    resolves.push(resolveAnswers.filter((a) => a.status === 201).length);
  }
  // Each round, each incident's resolution answered 201 once (the rest 409)…
  expect(resolves).toEqual(Array(6).fill(2));
  // …every incident is resolved exactly once in the record…
  const resolutions = await database.db.all<{ id: string; n: number }>(
    sql`SELECT incident_id AS id, count(*) AS n FROM incident_updates WHERE status = 'resolved' GROUP BY incident_id`,
  );
  expect(resolutions).toHaveLength(incidentIds.length);
  expect(resolutions.every((r) => r.n === 1)).toBe(true);
  // …the component's timeline has no overlap, one open interval, and ends operational…
  const intervals = await database.db.all<{ status: string; started: number; ended: number | null }>(
    sql`SELECT status, started_at AS started, ended_at AS ended FROM component_status_intervals WHERE component_id = ${component.id} ORDER BY started_at, rowid`,
  );
  expect(intervals.filter((i) => i.ended === null)).toHaveLength(1);
  for (let i = 1; i < intervals.length; i++) expect(intervals[i]!.started).toBeGreaterThanOrEqual(intervals[i - 1]!.ended!);
  expect(intervals.at(-1)!.status).toBe('operational');
  // …and the subscriber is emailed each resolution once.
  const emails = await database.db.all<{ event: string; n: number }>(
    sql`SELECT event_key AS event, count(*) AS n FROM outbox WHERE recipient = 'all@example.com' GROUP BY event_key`,
  );
  expect(emails.every((e) => e.n === 1)).toBe(true);
  const resolvedEmails = await database.db.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM outbox o JOIN incident_updates u ON o.event_key = 'incident_update:' || u.id WHERE u.status = 'resolved'`,
  );
  expect(resolvedEmails!.n).toBe(incidentIds.length);
}

const page = async (base: string) => {
  const res = await fetch(`${base}/`);
  return { status: res.status, html: await res.text() };
};

describe('three instances on one sqld behind nginx', () => {
  const dir = mkdtempSync(join(tmpdir(), 'candor-cluster-'));
  let cluster: Cluster;
  let database: Database;
  let via: Call[];
  let lb: Call;

  beforeAll(async () => {
    const s = await setUp(dir, false, { CANDOR_DB_TIMEOUT_MS: '2000' });
    cluster = s.cluster;
    database = s.database;
    via = cluster.instances.map((i) => s.on(i.url));
    lb = s.on(cluster.url);
  }, 90_000);
  afterAll(async () => {
    database?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('one incident and one component hammered from every instance: one resolution each, a clean timeline, one email each', async () => {
    await hammer(via, database);
  });

  test('a change made on one instance shows on every instance’s page, and through the balancer', async () => {
    const { json } = await via[0]!('POST', '/incidents', { title: 'Propagation check', severity: 'SEV-3', body: 'b', customer_visible: true });
    const started = performance.now();
    await Promise.all(cluster.instances.map((i) => within(3000, async () => (await page(i.url)).html.includes('Propagation check'))));
    // One pulse (1 s by default), plus the render.
    expect(performance.now() - started).toBeLessThan(2000);
    expect((await page(cluster.url)).html).toContain('Propagation check');
    await via[1]!('POST', `/incidents/${json.id}/updates`, { status: 'resolved', body: 'done' });
  });

  test('settings agree: every instance links to the one public address', async () => {
    const atoms = await Promise.all(cluster.instances.map(async (i) => (await fetch(`${i.url}/history.atom`)).text()));
    for (const atom of atoms) expect(atom).toContain(`<link rel="self" href="${cluster.url}/history.atom"`);
  });

  test('sqld frozen: cached pages still answer, the admin API answers 503 with Retry-After within its timeout, and all recovers', async () => {
    cluster.sqld.child.kill('SIGSTOP');
    try {
      for (const i of cluster.instances) expect((await page(i.url)).status).toBe(200);
      const started = performance.now();
      const frozen = await via[0]!('GET', '/incidents');
      expect(frozen.status).toBe(503);
      expect(frozen.headers.get('retry-after')).toBeTruthy();
      expect(frozen.json.code).toBe('database_unavailable');
      expect(performance.now() - started).toBeLessThan(4000); // CANDOR_DB_TIMEOUT_MS is 2 s here
      expect((await fetch(`${cluster.instances[1]!.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${cluster.url}/healthz`)).status).toBe(200);
    } finally {
      cluster.sqld.child.kill('SIGCONT');
    }
    await within(10_000, async () => (await via[0]!('GET', '/incidents')).status === 200);
    expect((await via[0]!('POST', '/incidents', { title: 'After the freeze', severity: 'SEV-4', body: 'b' })).status).toBe(201);
    // Pages that turned cold wait out the database's 2 s deadline before answering their last
    // snapshot, so the whole test can take longer than the default 20 s; its own bounds are above.
  }, 60_000);

  test('sqld stopped and started again: the instances recover without a restart', async () => {
    const port = Number(new URL(cluster.sqld.url).port);
    await cluster.sqld.stop();
    for (const i of cluster.instances) expect((await page(i.url)).status).toBe(200);
    expect((await via[1]!('GET', '/incidents')).status).toBe(503);
    cluster.sqld = await startSqld({ dir: join(dir, 'sqld'), port });
    await within(10_000, async () => (await via[1]!('GET', '/incidents')).status === 200);
    const { status, json } = await via[2]!('POST', '/incidents', { title: 'After the restart', severity: 'SEV-3', body: 'b', customer_visible: true });
    expect(status).toBe(201);
    await within(5000, async () => (await page(cluster.instances[0]!.url)).html.includes('After the restart'));
    await via[2]!('POST', `/incidents/${json.id}/updates`, { status: 'resolved', body: 'done' });
  });

  test('an instance killed outright: the balancer keeps answering from the others', async () => {
    cluster.instances[2]!.child.kill('SIGKILL');
    const answers = await Promise.all(Array.from({ length: 20 }, async () => (await fetch(`${cluster.url}/api/v2/status.json`)).status));
    expect(answers).toEqual(Array(20).fill(200));
    expect((await lb('POST', '/incidents', { title: 'One instance down', severity: 'SEV-4', body: 'b' })).status).toBe(201);
  });
});

describe('three instances on one embedded file', () => {
  let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
  let servers: RunningServer[] = [];
  beforeAll(async () => {
    fixture = await createSiteFixture();
    const env = { DATABASE_URL: fixture.databaseUrl };
    servers = await Promise.all([startServer(env), startServer(env), startServer(env)]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    fixture?.cleanup();
  });

  test('the same hammering: one resolution each, a clean timeline, one email each', async () => {
    const via = servers.map((server): Call => {
      const call = fixture.admin(server);
      return async (method, path, body) => {
        try {
          return { status: 201, json: await call(method, path, body), headers: new Headers() };
        } catch (err) {
          const status = Number(/→ (\d{3})/.exec((err as Error).message)?.[1]);
          if (!status) throw err;
          return { status, json: undefined, headers: new Headers() };
        }
      };
    });
    await hammer(via, fixture.database);
  });
});

describe('two instances with embedded replicas of one sqld', () => {
  const dir = mkdtempSync(join(tmpdir(), 'candor-replicas-'));
  let cluster: Cluster;
  let database: Database;
  let via: Call[];

  beforeAll(async () => {
    const s = await setUp(dir, true, { CANDOR_PULSE_MS: '250' });
    cluster = s.cluster;
    database = s.database;
    via = cluster.instances.map((i) => s.on(i.url));
  }, 90_000);
  afterAll(async () => {
    database?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the writer reads its own write at once; the other instance’s page shows it within 1 s', async () => {
    const { status, json } = await via[0]!('POST', '/incidents', { title: 'Replica check', severity: 'SEV-3', body: 'b', customer_visible: true });
    expect(status).toBe(201);
    // Read your writes: the instance that wrote answers from its replica with the change in it.
    expect((await via[0]!('GET', `/incidents/${json.id}`)).json.title).toBe('Replica check');
    const seen = await within(1000, async () => (await page(cluster.instances[1]!.url)).html.includes('Replica check'));
    expect(seen).toBeLessThan(1000);
    // The write went to the primary.
    expect((await database.db.get<{ title: string }>(sql`SELECT title FROM incidents WHERE id = ${json.id}`))!.title).toBe('Replica check');
  });

  test('concurrent resolutions through both replicas: one wins, one 409', async () => {
    const { json } = await via[1]!('POST', '/incidents', { title: 'Replica race', severity: 'SEV-3', body: 'b' });
    const answers = await Promise.all(via.map((call) => call('POST', `/incidents/${json.id}/updates`, { status: 'resolved', body: 'Fixed' })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
  });
});
