import { afterAll, beforeAll, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { createSiteFixture, startServer, type RunningServer } from '../helpers/server.ts';

// Three real server processes on one database file: a public rate limit holds across them, so
// 30 concurrent subscribes for one address against a limit of 5 let exactly 5 through — no
// count lost to another process's write, none counted twice — and the 25 refused write nothing.
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

test('30 concurrent subscribes across three instances: exactly the limit of 5 gets through; the refused are not counted', async () => {
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
  // The IP's key is counted first, the address's only for a request the IP's allowed: the first
  // five to count get through, the rest are refused on the IP without touching the address.
  expect(statuses.filter((s) => s === 202)).toHaveLength(5);
  expect(statuses.filter((s) => s === 429)).toHaveLength(25);
  const counts = await fixture.database.db.all<{ key: string; count: number }>(sql`SELECT key, count FROM rate_limits ORDER BY key`);
  expect(counts.map((c) => [c.key, c.count])).toEqual([
    ['subscribe:email:flood@example.com', 5],
    ['subscribe:ip:127.0.0.1', 5],
  ]);
});
