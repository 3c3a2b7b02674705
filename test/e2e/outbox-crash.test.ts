import { afterAll, beforeAll, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { createSiteFixture, startServer, within, type RunningServer } from '../helpers/server.ts';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend.ts';
import { seedSubscribers } from '../helpers/db.ts';

// Nothing lost, nothing twice: kill -9 the real server process and its delivery process again
// and again while they send an update to 5 000 subscribers through the real resend SDK; after
// restarts every subscriber has exactly one email at the (fake) provider.
const SUBSCRIBERS = 5000;
let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
let resend: FakeResend;
let server: RunningServer | undefined;

beforeAll(async () => {
  fixture = await createSiteFixture();
  // Each batch is accepted at once but answered 40 ms later: kills land between the two.
  resend = await startFakeResend({ latencyMs: 40 });
  await seedSubscribers(fixture.database, SUBSCRIBERS);
});
afterAll(async () => {
  await server?.crash();
  await resend?.close();
  fixture?.cleanup();
});

const env = () => ({
  DATABASE_URL: fixture.databaseUrl,
  RESEND_API_KEY: 're_test_key',
  RESEND_BASE_URL: resend.url,
  CANDOR_OUTBOX_LEASE_MS: '1500',
  CANDOR_PUBLIC_URL: 'https://status.example.com',
});
const sent = async () => Number((await fixture.database.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM outbox WHERE status = 'sent'`))!.n);

test('kill -9 during fan-out, several times: every subscriber gets the email exactly once', async () => {
  server = await startServer(env());
  await fixture.admin(server)('POST', '/incidents', { title: 'Checkout failing', severity: 'SEV-1', body: 'We are investigating.' });

  let kills = 0;
  for (let round = 0; round < 4; round++) {
    // Each time once this process has batches at the provider: the kill lands mid-send.
    const before = resend.calls;
    await within(30_000, async () => resend.calls >= before + 2 || (await sent()) === SUBSCRIBERS);
    if ((await sent()) === SUBSCRIBERS) break;
    await server.crash();
    kills++;
    server = await startServer(env());
  }
  expect(kills).toBeGreaterThanOrEqual(2);
  await within(60_000, async () => (await sent()) === SUBSCRIBERS);

  const perRecipient = resend.perRecipient();
  expect(perRecipient.size).toBe(SUBSCRIBERS);
  const twice = [...perRecipient].filter(([, n]) => n !== 1);
  expect(twice).toEqual([]);
  expect(resend.deliveries).toHaveLength(SUBSCRIBERS);
  // Some batches were sent again after a kill (same key): the provider answered, sent nothing new.
  expect(resend.calls).toBeGreaterThan(SUBSCRIBERS / 100);
  const { n: notSent } = (await fixture.database.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM outbox WHERE status != 'sent'`))!;
  expect(notSent).toBe(0);
}, 120_000);
