import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { createSiteFixture, startServer, within, type RunningServer } from '../helpers/server.ts';

// Two real server processes on one database, each pulsing every 100 ms with a cadence watcher
// and a maintenance clock: a reminder goes out once, by email and by webhook; a maintenance
// starts and completes once, each email once — also after more changes poke the workers.
let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
let servers: RunningServer[] = [];
let receiver: Server;
const hooks: unknown[] = [];

beforeAll(async () => {
  fixture = await createSiteFixture();
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hooks.push(req.url);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const env = {
    DATABASE_URL: fixture.databaseUrl,
    CANDOR_PULSE_MS: '100',
    CANDOR_LEASE_TTL_MS: '1000',
    CANDOR_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
  };
  servers = await Promise.all([startServer(env), startServer(env)]);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await new Promise<void>((r) => receiver.close(() => r()));
  fixture?.cleanup();
});

test('two instances, one reminder', async () => {
  const admin = fixture.admin(servers[0]!);
  const policy = await admin('GET', '/policy');
  // A reminder lead as long as the interval: the reminder is due as soon as the incident is declared.
  await admin('PUT', '/policy', { ...policy, reminder_lead_minutes: 30 });
  await admin('POST', '/incidents', { title: 'Payments failing', severity: 'SEV-1', body: 'b', commander: 'alice@example.com' });
  await within(5000, async () => hooks.length >= 1);
  await settle(); // more passes: a second reminder would have come by now
  const count = async (q: ReturnType<typeof sql>) => Number((await fixture.database.db.get<{ n: number }>(q))!.n);
  expect(await count(sql`SELECT count(*) AS n FROM cadence_notices WHERE kind = 'reminder'`)).toBe(1);
  expect(await count(sql`SELECT count(*) AS n FROM outbox WHERE template = 'responder-notice' AND recipient = 'alice@example.com'`)).toBe(1);
  expect(hooks).toEqual(['/hook']);
});

/** Makes changes (each pokes the leader's workers into a pass), then waits for the lease to be renewed 3 more times. */
async function settle() {
  const admin = fixture.admin(servers[0]!);
  for (let i = 0; i < 3; i++) await admin('POST', '/components', { name: `Poke ${Date.now()}-${i}` });
  const expiry = async () => Number((await fixture.database.db.get<{ at: number }>(sql`SELECT expires_at AS at FROM leases WHERE name = 'leader'`))?.at ?? 0);
  let last = await expiry();
  let seen = 0;
  await within(10_000, async () => {
    const now = await expiry();
    if (now > last) {
      seen++;
      last = now;
    }
    return seen >= 3;
  });
}

test('two instances, one maintenance clock', async () => {
  const admin = fixture.admin(servers[1]!);
  await admin('POST', '/subscribers', { email: 'all@example.com', confirmed: true });
  const soon = (ms: number) => new Date(Date.now() + ms).toISOString();
  const m = await admin('POST', '/maintenances', { title: 'Failover drill', body: 'b', scheduled_for: soon(2500), scheduled_until: soon(4000) });
  await within(15_000, async () => (await admin('GET', `/maintenances/${m.id}`)).status === 'completed');
  await settle(); // more passes: a second step or email would have come by now
  const done = await admin('GET', `/maintenances/${m.id}`);
  expect(done.updates.map((u: { status: string; author: string }) => `${u.status} ${u.author}`)).toEqual([
    'completed system',
    'in_progress system',
    'scheduled test',
  ]);
  const rows = await fixture.database.db.all<{ event: string }>(sql`SELECT event_key AS event FROM outbox WHERE template = 'maintenance' ORDER BY id`);
  expect(rows.map((r) => r.event)).toEqual([`maintenance:${m.id}:scheduled`, `maintenance:${m.id}:started`, `maintenance:${m.id}:completed`]);
});
