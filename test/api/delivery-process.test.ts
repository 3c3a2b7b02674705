import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { DeliveryProcess } from '../../api/workers/delivery-process.ts';
import { SYSTEM_ACTOR } from '../../api/services/context.ts';
import { declareIncident } from '../../api/services/incidents/declare.ts';
import { silentLogger } from '../../api/log.ts';
import { createTestDb } from '../helpers/db.ts';
import { childrenOf, niceOf, within } from '../helpers/server.ts';
import { exitOf } from '../../scripts/processes.ts';

// The real delivery process (api/delivery.ts, forked as the server forks it) on a real file,
// sending to the local .eml outbox.
let t: Awaited<ReturnType<typeof createTestDb>>;
let delivery: DeliveryProcess;
const ENV = ['DATABASE_URL', 'CANDOR_OUTBOX_DIR', 'RESEND_API_KEY'] as const;
const saved = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));
const deliveryProcess = (nice: number) =>
  new DeliveryProcess({
    logger: silentLogger,
    start: {
      type: 'start',
      shared: { publicUrl: 'http://status.test', pageName: 'Test', secret: 'x'.repeat(32) },
      environment: { emailFrom: 'Test <status@example.com>' },
    },
    nice,
  });

beforeEach(async () => {
  t = await createTestDb();
  Object.assign(process.env, { DATABASE_URL: t.url, CANDOR_OUTBOX_DIR: join(t.dir, 'outbox') });
  delete process.env.RESEND_API_KEY;
  delivery = deliveryProcess(0);
  await delivery.start();
});
afterEach(async () => {
  await delivery.stop();
  for (const name of ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  t.cleanup();
});

const status = async () =>
  (await t.database.db.all<{ status: string }>(sql`SELECT status FROM outbox WHERE recipient = 'reader@example.com'`)).map((r) => r.status);

test('told that a write of the server waits, it holds its writes (no email is claimed) until told to go ahead', async () => {
  await t.database.db.run(
    sql`INSERT INTO subscribers (id, email, confirmed_at, all_components, token_version, source, created_at) VALUES ('sub000000001', 'reader@example.com', 1, 1, 1, 'admin', 1)`,
  );
  // Held (and renewed, as the server does while its write waits) before there is anything to send.
  delivery.giveWay(true);
  const renew = setInterval(() => delivery.giveWay(true), 60);
  try {
    await declareIncident({ database: t.database, now: () => new Date() }, SYSTEM_ACTOR, { title: 'Down', severity: 'SEV-1', body: 'Looking.' });
    delivery.wake();
    // Proving that nothing happens takes a while: awake and not holding, it claims the email within milliseconds.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await status()).toEqual(['queued']);
  } finally {
    clearInterval(renew);
  }
  delivery.giveWay(false);
  await within(5000, async () => (await status())[0] === 'sent');
});

test('told to stop while thousands of emails are due, it stops after the batch in hand, not after the last email', async () => {
  await t.database.db.run(
    sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
      INSERT INTO subscribers (id, email, confirmed_at, all_components, token_version, source, created_at)
      SELECT printf('sub%09d', i), printf('reader%d@example.com', i), 1, 1, 1, 'admin', 1 FROM n`,
  );
  await declareIncident({ database: t.database, now: () => new Date() }, SYSTEM_ACTOR, { title: 'Down', severity: 'SEV-1', body: 'Looking.' });
  const sent = async () => Number((await t.database.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM outbox WHERE status = 'sent'`))?.n);
  delivery.wake();
  await within(10_000, async () => (await sent()) > 0);
  await delivery.stop();
  const atStop = await sent();
  // Sending them all takes seconds; it stopped long before (it used to hear the signal only once done).
  expect(atStop).toBeLessThan(1500);
  expect(await sent()).toBe(atStop);
});

test('when the server is gone before it has heard from it (a failed start), it exits quietly', async () => {
  const child = fork(fileURLToPath(new URL('../../api/delivery.ts', import.meta.url)), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  child.disconnect();
  expect(await exitOf(child)).toBe(0);
  expect(output).not.toMatch(/EPIPE|ERR_IPC|Error/);
});

test('it loads at the server’s priority and is lowered to its own once its senders run', async () => {
  const before = new Set(childrenOf(process.pid));
  const second = deliveryProcess(7);
  const started = second.start();
  try {
    const [pid] = childrenOf(process.pid).filter((p) => !before.has(p));
    expect(niceOf(pid!)).toBe(0); // loading: beside a busy page at 19 it would take minutes
    await started;
    expect(niceOf(pid!)).toBe(7);
  } finally {
    await second.stop();
  }
});
