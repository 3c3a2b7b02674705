import { afterAll, beforeAll, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { createSiteFixture, startServer, within, type RunningServer } from '../helpers/server.ts';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.ts';
import { seedSubscribers } from '../helpers/db.ts';

// Webhook deliveries across processes and crashes: two real server processes share the
// database and deliver one update's fan-out together, while one of them is killed with -9 again
// and again. Afterwards every subscriber has been reached, and whatever a crash made go out
// twice went out under the same webhook-id (receivers handle each delivery once by it).
const SUBSCRIBERS = 2000;
let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
let receiver: Receiver;
const servers: RunningServer[] = [];

beforeAll(async () => {
  fixture = await createSiteFixture();
  receiver = await startReceiver();
  await seedSubscribers(fixture.database, SUBSCRIBERS, { base: `${receiver.url}/s`, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
});
afterAll(async () => {
  for (const s of servers) await s.crash();
  await receiver?.close();
  fixture?.cleanup();
});

const env = () => ({
  DATABASE_URL: fixture.databaseUrl,
  CANDOR_WEBHOOK_ALLOW_NETWORKS: '127.0.0.0/8',
  CANDOR_OUTBOX_LEASE_MS: '1500',
  CANDOR_PUBLIC_URL: 'https://status.example.com',
});
const sent = async () =>
  Number((await fixture.database.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM outbox WHERE channel = 'webhook' AND status = 'sent'`))!.n);

test('two instances, one killed -9 repeatedly: every webhook subscriber is reached, a repeat only under the same webhook-id', async () => {
  // Each receiver answer takes 20 ms: kills land while requests are in flight.
  for (let i = 1; i <= SUBSCRIBERS; i++) receiver.answer(`/s/${i}`, { status: 204, delayMs: 20 });
  const steady = await startServer(env());
  servers.push(steady);
  let victim = await startServer(env());
  servers.push(victim);
  await fixture.admin(steady)('POST', '/incidents', { title: 'Checkout failing', severity: 'SEV-1', body: 'We are investigating.' });

  let kills = 0;
  for (let round = 0; round < 3; round++) {
    // Each time once deliveries are under way again: the kill lands while requests are in flight.
    const before = receiver.received.length;
    await within(30_000, async () => receiver.received.length >= before + 50 || (await sent()) === SUBSCRIBERS);
    if ((await sent()) === SUBSCRIBERS) break;
    await victim.crash();
    kills++;
    victim = await startServer(env());
    servers.push(victim);
  }
  expect(kills).toBeGreaterThanOrEqual(1);
  await within(60_000, async () => (await sent()) === SUBSCRIBERS);

  const byPath = new Map<string, Set<string>>();
  for (const r of receiver.received) {
    const ids = byPath.get(r.path) ?? new Set();
    ids.add(String(r.headers['webhook-id']));
    byPath.set(r.path, ids);
  }
  expect(byPath.size).toBe(SUBSCRIBERS);
  expect([...byPath.values()].filter((ids) => ids.size !== 1)).toEqual([]);
  // Repeats are bounded by what was in flight when a process died (at most one chunk per kill).
  expect(receiver.received.length - SUBSCRIBERS).toBeLessThanOrEqual(kills * 100);
  const { n: notSent } = (await fixture.database.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM outbox WHERE status != 'sent'`))!;
  expect(notSent).toBe(0);
}, 120_000);
