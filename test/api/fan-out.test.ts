import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createDb } from '../../db/client.ts';
import { fanOuts, outbox } from '../../db/schema/index.ts';
import { expandFanOut, FAN_OUT_CHUNK, notYetQueued } from '../../api/services/outbox/fan-out.ts';
import { countsByEvent } from '../../api/services/outbox/delivery.ts';
import { Lease } from '../../api/workers/leading-worker.ts';
import { Pulse } from '../../api/workers/pulse.ts';
import { silentLogger } from '../../api/log.ts';
import { createTestApp, senderTo, type TestApp } from '../helpers/app.ts';
import { startFakeResend } from '../helpers/fake-resend.ts';
import { seedSubscribers } from '../helpers/db.ts';

// A large audience: the change commits with its first chunk of outbox rows and a fan-out row;
// senders add the rest a chunk at a time. Real database file, real statements.
let t: TestApp;
let api: string;

beforeEach(async () => {
  t = await createTestApp();
  api = (await t.call('POST', '/components', { body: { name: 'API' } })).json.id;
});
afterEach(() => t.cleanup());

const declare = async () => {
  const res = await t.call('POST', '/incidents', {
    body: { title: 'Elevated API errors', severity: 'SEV-2', body: 'We are on it.', components: [{ id: api, status: 'partial_outage' }] },
  });
  expect(res.status).toBe(201);
  return res.json as { id: string };
};
const rows = async (channel?: 'email' | 'webhook') =>
  (
    await t.database.db
      .select({ recipient: outbox.recipient, eventKey: outbox.eventKey })
      .from(outbox)
      .where(channel ? eq(outbox.channel, channel) : sql`1`)
  ).filter((r) => r.eventKey.startsWith(channel === 'webhook' ? 'component_update:' : 'incident_update:'));
const expandAll = async () => {
  let chunks = 0;
  while (await expandFanOut(t.ctx)) chunks++;
  return chunks;
};

describe('a fan-out larger than one chunk', () => {
  test.each([
    ['two and a half chunks', Math.round(FAN_OUT_CHUNK * 2.5), 2],
    ['exactly one chunk (the fan-out row finds nobody more)', FAN_OUT_CHUNK, 1],
    ['less than a chunk: complete at commit, no fan-out row', FAN_OUT_CHUNK - 1, 0],
  ])('%s: every subscriber once, in the end', async (_, subscribers, chunks) => {
    await seedSubscribers(t.database, subscribers);
    await declare();
    expect((await rows('email')).length).toBe(Math.min(subscribers, FAN_OUT_CHUNK));
    // The outbox counts the recipients still to be added as waiting, though no row says so yet.
    const outboxNow = async () => (await t.call('GET', '/outbox')).json as { queued: number; not_yet_queued: number };
    expect(await outboxNow()).toMatchObject({ queued: Math.min(subscribers, FAN_OUT_CHUNK), not_yet_queued: Math.max(0, subscribers - FAN_OUT_CHUNK) });
    const event = (await rows('email'))[0]!.eventKey; // what the console counts per update: all of them waiting
    expect((await countsByEvent(t.ctx, [event])).get(event)).toEqual({ queued: subscribers, sent: 0, failed: 0 });
    // Asked about other events only, it counts none of this one's recipients (nor their audience).
    expect((await notYetQueued(t.database, ['incident_update:another'])).total).toBe(0);
    expect((await notYetQueued(t.database, [event])).total).toBe(Math.max(0, subscribers - FAN_OUT_CHUNK));
    if (chunks > 1) {
      await expandFanOut(t.ctx);
      expect(await outboxNow()).toMatchObject({ queued: 2 * FAN_OUT_CHUNK, not_yet_queued: subscribers - 2 * FAN_OUT_CHUNK });
    }
    expect((await t.database.db.select().from(fanOuts)).length).toBe(subscribers >= FAN_OUT_CHUNK ? 1 : 0);
    expect(await expandAll()).toBe(chunks - (chunks > 1 ? 1 : 0));
    const all = await rows('email');
    expect(all.length).toBe(subscribers);
    expect(new Set(all.map((r) => r.recipient)).size).toBe(subscribers);
    expect(await t.database.db.select().from(fanOuts)).toEqual([]);
    expect(await outboxNow()).toMatchObject({ queued: subscribers, not_yet_queued: 0 });
  });

  test('the components are those the event affected when it committed', async () => {
    await seedSubscribers(t.database, FAN_OUT_CHUNK + 5);
    await declare();
    const [pending] = await t.database.db.select().from(fanOuts);
    expect(JSON.parse(pending!.components)).toEqual([api]);
  });

  test('a component update reaches webhook subscribers only, however many', async () => {
    const n = FAN_OUT_CHUNK + 200;
    await seedSubscribers(t.database, n);
    await seedSubscribers(t.database, n, { base: 'https://hooks.example.com/s', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    await declare();
    await expandAll();
    expect((await rows('webhook')).length).toBe(n);
    expect((await t.database.db.select().from(outbox).where(sql`${outbox.eventKey} LIKE 'component_update:%' AND ${outbox.channel} = 'email'`)).length).toBe(0);
  });

  test('senders of two database handles expanding at once add every row once', async () => {
    const n = FAN_OUT_CHUNK * 4 + 17;
    await seedSubscribers(t.database, n);
    await declare();
    const other = await createDb(t.url);
    try {
      const drain = async (ctx: typeof t.ctx) => {
        while (await expandFanOut(ctx));
      };
      await Promise.all([drain(t.ctx), drain({ ...t.ctx, database: other }), drain(t.ctx)]);
    } finally {
      other.close();
    }
    const all = await rows('email');
    expect(all.length).toBe(n);
    expect(new Set(all.map((r) => r.recipient)).size).toBe(n);
    expect(await t.database.db.select().from(fanOuts)).toEqual([]);
  });
});

test('a sender expands the fan-out as it goes: every subscriber gets one email', async () => {
  const n = FAN_OUT_CHUNK * 2 + 30;
  await seedSubscribers(t.database, n);
  const resend = await startFakeResend({ keepBodies: false });
  try {
    await declare();
    await senderTo(resend, t).drain();
    const per = resend.perRecipient();
    expect(per.size).toBe(n);
    expect([...per.values()].every((count) => count === 1)).toBe(true);
    expect(await t.database.db.select().from(fanOuts)).toEqual([]);
  } finally {
    await resend.close();
  }
});

test("a pending fan-out is work due for every instance's senders, even with no row queued", async () => {
  await seedSubscribers(t.database, FAN_OUT_CHUNK + 1);
  await declare();
  // Its first chunk sent (say): only the fan-out row says there is more to do.
  await t.database.client.execute("UPDATE outbox SET status = 'sent'");
  const pulse = new Pulse({ database: t.database, lease: new Lease(t.ctx, 'leader', 5000), logger: silentLogger, now: () => new Date(), intervalMs: 60_000 });
  let due = 0;
  pulse.onOutboxDue(() => due++);
  const beat = () => (pulse as unknown as { beat(): Promise<void> }).beat();
  await beat();
  expect(due).toBe(1);
  await expandAll();
  await t.database.client.execute("UPDATE outbox SET status = 'sent'");
  await beat();
  expect(due).toBe(1);
});
