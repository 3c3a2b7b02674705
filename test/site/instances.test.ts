import { afterAll, beforeAll, expect, test } from 'vitest';
import { createSiteFixture, startServer, within, type RunningServer } from '../helpers/server.ts';

// Two Candor processes on one database: a change made through one shows on the other's
// page once its change watcher sees the counter move (polled about once a second).
let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
let a: RunningServer;
let b: RunningServer;
beforeAll(async () => {
  fixture = await createSiteFixture();
  [a, b] = await Promise.all([startServer({ DATABASE_URL: fixture.databaseUrl }), startServer({ DATABASE_URL: fixture.databaseUrl })]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  fixture?.cleanup();
});

test('an incident declared on one instance appears on the other instance’s page', async () => {
  const before = await (await fetch(`${b.url}/`)).text();
  expect(before).not.toContain('Replication lag');
  await fixture.admin(a)('POST', '/incidents', { title: 'Replication lag', severity: 'SEV-2', body: 'Looking into it.' });
  const took = await within(3000, async () => (await (await fetch(`${b.url}/`)).text()).includes('Replication lag'));
  expect(took).toBeLessThan(2500);
});
