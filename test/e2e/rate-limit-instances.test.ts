import { afterAll, beforeAll, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { createSiteFixture, startServer, type RunningServer } from '../helpers/server.ts';

// Three real server processes on one database file: a public rate limit holds across them, so
// 30 concurrent subscribes for one address against a limit of 5 let at most 5 through, and
// every one is counted (none lost to another process's write); none fails.
let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
let servers: RunningServer[] = [];

beforeAll(async () => {
  fixture = await createSiteFixture();
  const env = { DATABASE_URL: fixture.databaseUrl };
  servers = await Promise.all([startServer(env), startServer(env), startServer(env)]);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  fixture.cleanup();
});

test('30 concurrent subscribes across three instances: at most the limit of 5 gets through, every request counted', async () => {
  const statuses = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      fetch(`${servers[i % 3]!.url}/subscribe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'flood@example.com' }),
      }).then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      }),
    ),
  );
  // Each request counts against its address and its IP separately, so one may be refused by the
  // one key while another is by the other: never more than 5 get through, and every request counts.
  const accepted = statuses.filter((s) => s === 202).length;
  expect(accepted).toBeGreaterThan(0);
  expect(accepted).toBeLessThanOrEqual(5);
  expect(statuses.filter((s) => s === 429)).toHaveLength(30 - accepted);
  const counts = await fixture.database.db.all<{ key: string; count: number }>(sql`SELECT key, count FROM rate_limits ORDER BY key`);
  expect(counts.map((c) => c.count)).toEqual([30, 30]);
});
