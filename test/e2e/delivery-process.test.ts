import { afterAll, beforeAll, expect, test } from 'vitest';
import { alive, childrenOf, createSiteFixture, niceOf, startServer, within, type RunningServer } from '../helpers/server.ts';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend.ts';
import { seedSubscribers } from '../helpers/db.ts';
import { exitOf } from '../../scripts/processes.ts';

// Emails and webhooks go out from the server's delivery process: its own process, at a lower
// scheduling priority, started again when it dies, gone when the server is.
let fixture: Awaited<ReturnType<typeof createSiteFixture>>;
let resend: FakeResend;
let server: RunningServer;
let incidentId: string;

beforeAll(async () => {
  fixture = await createSiteFixture();
  resend = await startFakeResend();
  await seedSubscribers(fixture.database, 3);
  server = await startServer({
    DATABASE_URL: fixture.databaseUrl,
    RESEND_API_KEY: 're_test_key',
    RESEND_BASE_URL: resend.url,
    CANDOR_DELIVERY_NICE: '15',
    CANDOR_OUTBOX_LEASE_MS: '1500',
  });
});
afterAll(async () => {
  await server?.crash();
  await resend?.close();
  fixture?.cleanup();
});

const deliveryPid = () => {
  const [pid, ...others] = childrenOf(server.child.pid!).filter(alive);
  expect(others).toEqual([]);
  return pid;
};
const saying = (text: string) => resend.deliveries.filter((d) => d.text.includes(text)).length;

test('one delivery process, at the configured priority below the server’s once it has started; the provider’s refusals still count in the server’s metrics', async () => {
  const pid = deliveryPid()!;
  await within(20_000, async () => server.log.some((l) => l.includes('"msg":"delivering"')));
  await within(5000, async () => niceOf(pid) === 15);
  expect(niceOf(server.child.pid!)).toBe(0);

  resend.fail({ status: 500 });
  ({ id: incidentId } = await fixture.admin(server)('POST', '/incidents', { title: 'Checkout failing', severity: 'SEV-1', body: 'We are investigating.' }));
  await within(20_000, async () => saying('We are investigating.') === 3);
  const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${fixture.adminKey}` } })).text();
  expect(metrics).toMatch(/^candor_email_provider_errors_total\{status="500"\} 1$/m);
});

test('killed, it is started again and what was queued meanwhile goes out', async () => {
  const first = deliveryPid()!;
  process.kill(first, 'SIGKILL');
  await within(5000, async () => !alive(first));
  await fixture.admin(server)('POST', `/incidents/${incidentId}/updates`, { status: 'identified', body: 'A bad deploy; rolling back.' });
  await within(20_000, async () => saying('A bad deploy; rolling back.') === 3);
  const second = deliveryPid()!;
  expect(second).not.toBe(first);
  expect(niceOf(second)).toBe(15);
  expect(server.log.some((l) => l.includes('the delivery process stopped; starting it again'))).toBe(true);
});

test('when the server dies, even by kill -9, its delivery process stops too', async () => {
  const pid = deliveryPid()!;
  server.child.kill('SIGKILL');
  await exitOf(server.child);
  await within(10_000, async () => !alive(pid));
});
