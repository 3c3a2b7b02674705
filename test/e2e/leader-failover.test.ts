import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { createSiteFixture, startServer, within, type RunningServer } from '../helpers/server.ts';

// Three real server processes on one database with the default pulse and lease. The leader is
// killed with SIGKILL in the middle of starting 30 maintenances: another instance leads within
// 10 s, finishes the work, and every maintenance has exactly one start on its timeline and one
// "started" email. A leader stopped gracefully hands over at once.
let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
let servers: RunningServer[] = [];
const outboxDir = mkdtempSync(join(tmpdir(), 'candor-failover-'));

beforeAll(async () => {
  fixture = await createSiteFixture();
  const env = { DATABASE_URL: fixture.databaseUrl, CANDOR_OUTBOX_DIR: outboxDir };
  servers = await Promise.all([startServer(env), startServer(env), startServer(env)]);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  fixture?.cleanup();
  rmSync(outboxDir, { recursive: true, force: true });
});

const leading = (i: number) => servers[i]!.log.some((l) => l.includes('leading the clocks'));

test('the leader killed mid-step: another leads within 10 s, and each maintenance starts once', async () => {
  const admin = fixture.admin(servers[0]!);
  await admin('POST', '/subscribers', { email: 'all@example.com', confirmed: true });
  const leaderOf = (skip: number[] = []) => servers.findIndex((_, i) => !skip.includes(i) && leading(i));
  await within(10_000, async () => leaderOf() >= 0);
  const first = leaderOf();
  const startAt = new Date(Date.now() + 3000);
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    const m = await admin('POST', '/maintenances', {
      title: `Rolling restart ${i}`,
      body: 'b',
      scheduled_for: startAt.toISOString(),
      scheduled_until: new Date(startAt.getTime() + 600_000).toISOString(),
      remind_hours_before: null,
    });
    ids.push(m.id);
  }
  // Kill the leader as soon as it reports its first start.
  await within(15_000, async () => servers[first]!.log.some((l) => l.includes('"msg":"maintenance clock"')));
  servers[first]!.child.kill('SIGKILL');
  const killedAt = performance.now();
  const count = async (q: ReturnType<typeof sql>) => Number((await fixture.database.db.get<{ n: number }>(q))!.n);
  const startedBeforeTakeover = await count(sql`SELECT count(*) AS n FROM maintenances WHERE status = 'in_progress'`);

  const takeover = await within(12_000, async () => leaderOf([first]) >= 0);
  const next = leaderOf([first]);
  expect(takeover).toBeLessThan(10_000);
  expect(performance.now() - killedAt).toBeLessThan(10_000);

  await within(10_000, async () => (await count(sql`SELECT count(*) AS n FROM maintenances WHERE status = 'in_progress'`)) === 30);
  const starts = await fixture.database.db.all<{ id: string; n: number }>(
    sql`SELECT maintenance_id AS id, count(*) AS n FROM maintenance_updates WHERE status = 'in_progress' GROUP BY maintenance_id`,
  );
  expect(starts).toHaveLength(30);
  expect(starts.every((s) => s.n === 1)).toBe(true);
  const emails = await fixture.database.db.all<{ event: string }>(sql`SELECT event_key AS event FROM outbox WHERE event_key LIKE '%:started'`);
  expect(emails.map((e) => e.event).sort()).toEqual(ids.map((id) => `maintenance:${id}:started`).sort());
  // The kill landed while the work was under way (not before it began).
  expect(startedBeforeTakeover).toBeGreaterThan(0);

  // A graceful stop hands the lease over at once (within about one pulse).
  const stoppedAt = performance.now();
  await servers[next]!.stop();
  const third = servers.findIndex((_, i) => i !== first && i !== next);
  await within(5000, async () => leading(third));
  expect(performance.now() - stoppedAt).toBeLessThan(5000);
  // The new leader's epoch is above every earlier one.
  const epochs = await fixture.database.db.get<{ epoch: number }>(sql`SELECT epoch FROM leases WHERE name = 'leader'`);
  expect(epochs!.epoch).toBeGreaterThanOrEqual(3);
});
