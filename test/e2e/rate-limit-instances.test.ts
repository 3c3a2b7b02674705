import { afterAll, beforeAll, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { createSiteFixture, startServer, type RunningServer } from '../helpers/server.ts';

// Three real server processes on one database file: a public rate limit holds across them, so
// 30 concurrent subscribes for one address against a limit of 5 let exactly 5 through.
let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
let servers: RunningServer[] = [];

beforeAll(async () => {
  fixture = await createSiteFixture();
  const env = { DATABASE_URL: fixture.databaseUrl, CANDOR_CADENCE_TICK_MS: '60000', CANDOR_MAINTENANCE_TICK_MS: '60000', CANDOR_STATEMENT_TICK_MS: '60000' };
  servers = await Promise.all([startServer(env), startServer(env), startServer(env)]);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  fixture.cleanup();
});

test('30 concurrent subscribes across three instances: exactly the limit of 5 is let through', async () => {
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
  expect(statuses.filter((s) => s === 202)).toHaveLength(5);
  expect(statuses.filter((s) => s === 429)).toHaveLength(25);
  const counts = await fixture.database.db.all<{ key: string; count: number }>(sql`SELECT key, count FROM rate_limits ORDER BY key`);
  expect(counts.map((c) => c.count)).toEqual([30, 30]);
});
