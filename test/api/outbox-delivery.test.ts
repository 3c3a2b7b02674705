import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { outbox, outboxBatches, outboxEvents } from '../../db/schema/index.ts';
import { RETRY_POLICY } from '../../api/domain/outbox/delivery.ts';
import { Pace } from '../../api/domain/outbox/pace.ts';
import { silentLogger } from '../../api/log.ts';
import { resendTransport } from '../../emails/transports/resend.ts';
import { OutboxSender } from '../../api/workers/outbox-sender.ts';
import { createTestApp, MINUTE, senderTo, type TestApp } from '../helpers/app.ts';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend.ts';

// The real resend SDK against a local server speaking Resend's API.
let t: TestApp;
let resend: FakeResend;
let sender: OutboxSender;
let api: string;

beforeEach(async () => {
  t = await createTestApp();
  resend = await startFakeResend();
  sender = senderTo(resend, t, { timeoutMs: 300, random: () => 0.5 });
  api = (await t.call('POST', '/components', { body: { name: 'API' } })).json.id;
});
afterEach(async () => {
  await resend.close();
  t.cleanup();
});

async function subscribers(n: number, extra: object = {}) {
  const body = Array.from({ length: n }, (_, i) => ({ email: `user${String(i).padStart(4, '0')}@example.com`, confirmed: true, ...extra }));
  expect((await t.call('POST', '/subscribers/import', { body })).status).toBe(200);
}
const declare = () =>
  t.call('POST', '/incidents', {
    body: { title: 'Elevated API errors', severity: 'SEV-2', body: 'We are **on it**.', components: [{ id: api, status: 'partial_outage' }] },
  });
const counts = async () => (await t.call('GET', '/outbox')).json;

describe('delivery', () => {
  test('every subscriber gets the email once, in batches of at most 100, each with its own links and headers', async () => {
    await subscribers(250);
    await declare();
    await sender.drain();
    expect(resend.calls).toBe(3);
    expect(resend.deliveries).toHaveLength(250);
    expect(new Set(resend.deliveries.map((d) => d.to)).size).toBe(250);
    const first = resend.deliveries.find((d) => d.to === 'user0000@example.com')!;
    expect(first.subject).toBe('[Investigating] Elevated API errors');
    expect(first.from).toBe('Acme Status <status@example.com>');
    expect(first.html).toContain('<strong>on it</strong>');
    expect(first.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(first.headers['List-Unsubscribe']).toMatch(/^<https:\/\/status\.example\.com\/subscriptions\/unsubscribe\?token=[a-z0-9]{12}\.[\w-]{32}>$/);
    expect(first.text).toContain('You receive this because user0000@example.com is subscribed to Acme.');
    const other = resend.deliveries.find((d) => d.to === 'user0001@example.com')!;
    expect(other.headers['List-Unsubscribe']).not.toBe(first.headers['List-Unsubscribe']);
    expect(await counts()).toEqual({ queued: 0, sending: 0, sent: 250, failed: 0, not_yet_queued: 0, provider_refusing_since: null });
    const rows = await t.database.db.select().from(outbox);
    expect(rows.every((r) => r.providerId?.startsWith('fake-') && r.sentAt)).toBe(true);
  });

  test('a 429 is retried after Retry-After with the same idempotency key; nothing is sent twice', async () => {
    await subscribers(3);
    await declare();
    resend.fail({ status: 429, retryAfter: '30' });
    await sender.drain();
    expect(resend.deliveries).toHaveLength(0);
    expect(await counts()).toMatchObject({ queued: 3, sent: 0 });
    t.clock.advance(29_000);
    await sender.drain();
    expect(resend.deliveries).toHaveLength(0);
    t.clock.advance(1_000);
    await sender.drain();
    expect(resend.deliveries).toHaveLength(3);
    expect(await counts()).toMatchObject({ queued: 0, sent: 3 });
  });

  test('a 500, then a timeout: retried with backoff; a batch the provider accepted but whose answer was lost is not sent again', async () => {
    await subscribers(2);
    await declare();
    resend.fail({ status: 500 }, { delayMs: 600 });
    await sender.drain(); // 500
    t.clock.advance(10 * MINUTE);
    await sender.drain(); // accepted, but the answer comes after our 300 ms timeout
    expect(resend.deliveries).toHaveLength(2);
    expect(await counts()).toMatchObject({ queued: 2, sent: 0 });
    t.clock.advance(10 * MINUTE);
    await sender.drain(); // same key: the provider answers with the first result
    expect(resend.deliveries).toHaveLength(2);
    expect(await counts()).toMatchObject({ sent: 2, queued: 0 });
  });

  test('a permanent error is recorded, not retried; an operator can queue it again', async () => {
    await subscribers(2);
    await declare();
    resend.fail({ status: 422, message: 'Invalid `to` field.' });
    await sender.drain();
    t.clock.advance(60 * MINUTE);
    await sender.drain();
    expect(resend.calls).toBe(1);
    expect(await counts()).toMatchObject({ failed: 2 });
    const failed = await t.call('GET', '/outbox/failed');
    expect(failed.json.data[0]).toMatchObject({ template: 'incident-update', attempts: 1, last_error: '422: Invalid `to` field.' });
    expect((await t.call('POST', '/outbox/retry', { body: {} })).json).toEqual({ queued: 2 });
    await sender.drain();
    expect(await counts()).toMatchObject({ failed: 0, sent: 2 });
  });

  test('a sender that died mid-batch: its lease runs out and the batch goes under the same key', async () => {
    await subscribers(2);
    await declare();
    const { claimBatch } = await import('../../api/services/outbox/delivery.ts');
    const claimed = await claimBatch(t.ctx); // a sender takes the batch … and dies
    expect(claimed?.rows).toHaveLength(2);
    await sender.drain();
    expect(resend.calls).toBe(0); // still leased
    t.clock.advance(61_000);
    await sender.drain();
    expect(resend.deliveries).toHaveLength(2);
    expect(await counts()).toMatchObject({ sent: 2 });
  });

  test('the confirmation email carries a working link, and its token is erased once sent', async () => {
    await t.publicCall('POST', '/subscribe', {
      body: JSON.stringify({ email: 'new@example.com', component_ids: [api] }),
      headers: { 'content-type': 'application/json' },
    });
    await sender.drain();
    const [mail] = resend.deliveries;
    expect(mail!.subject).toBe('Confirm your subscription to Acme');
    expect(mail!.text).toContain("get Acme's incident and maintenance updates for API.");
    const token = /confirm\?token=([\w-]+)/.exec(mail!.text)![1]!;
    const [row] = await t.database.db.select().from(outbox);
    expect(row!.payload).toBeNull();
    const { confirmSubscription } = await import('../../api/services/subscribers/confirm.ts');
    await expect(confirmSubscription(t.ctx, token)).resolves.toMatchObject({ email: 'new@example.com' });
  });
});

describe('retries send the first bytes', () => {
  test('after a refusal the retry — by another sender — is the same request, although the incident changed meanwhile', async () => {
    await subscribers(3);
    const incident = (await declare()).json;
    resend.fail({ status: 500 });
    await sender.drain();
    // The event's email is kept as first rendered (a fan-out's batches are made again from it).
    expect((await t.database.db.select().from(outboxEvents)).map((e) => e.eventKey)).toEqual([expect.stringMatching(/^incident_update:/)]);
    expect(await t.database.db.select().from(outboxBatches)).toEqual([]);
    // The title is corrected before the retry, which another process (a new sender, nothing in
    // memory) makes: it still sends what was first sent, so the key matches its content.
    await t.call('PATCH', `/incidents/${incident.id}`, { body: { title: 'Elevated API error rates' } });
    t.clock.advance(RETRY_POLICY.maxMs);
    await senderTo(resend, t, { random: () => 0.5 }).drain();
    expect(resend.deliveries).toHaveLength(3);
    expect(resend.deliveries.every((d) => d.subject === '[Investigating] Elevated API errors')).toBe(true);
    expect(await counts()).toMatchObject({ sent: 3, failed: 0 });
  });

  test('a batch of one-off emails (a confirmation) is kept whole until it settles, and sent again as it was', async () => {
    await t.publicCall('POST', '/subscribe', { body: JSON.stringify({ email: 'new@example.com' }), headers: { 'content-type': 'application/json' } });
    resend.fail({ status: 503 });
    await sender.drain();
    const [kept] = await t.database.db.select().from(outboxBatches);
    expect(kept).toBeDefined();
    t.clock.advance(RETRY_POLICY.maxMs);
    await senderTo(resend, t, { random: () => 0.5 }).drain();
    expect(resend.deliveries.map((d) => d.to)).toEqual(['new@example.com']);
    expect(await t.database.db.select().from(outboxBatches)).toEqual([]);
  });

  test('a key the provider already took for other content is a final failure, said plainly, not retried', async () => {
    await subscribers(1);
    await declare();
    resend.fail({ status: 409, name: 'invalid_idempotent_request', message: 'Same idempotency key used with a different request payload.' });
    await sender.drain();
    const [row] = await t.database.db.select().from(outbox).where(eq(outbox.status, 'failed'));
    expect(row!.lastError).toBe(
      "409: Same idempotency key used with a different request payload. (the provider already took this batch's key for other content)",
    );
    expect(resend.calls).toBe(1);
  });

  test('a batch still failing past the retry horizon fails for good', async () => {
    await subscribers(1);
    await declare();
    const impatient = senderTo(resend, t, { random: () => 0.5, retryPolicy: { ...RETRY_POLICY, horizonMs: 60_000 } });
    resend.fail({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    for (let i = 0; i < 6 && (await counts()).failed === 0; i++) {
      await impatient.drain();
      t.clock.advance(30_000);
    }
    const [row] = await t.database.db.select().from(outbox).where(eq(outbox.status, 'failed'));
    expect(row!.lastError).toMatch(/^gave up after \d attempts over \d min; last: 503: fault$/);
  });
});

describe('the provider’s rate limit', () => {
  test('learned from its headers: 1 000 emails at 2 requests/s go out with no refusal after the first', async () => {
    const limited = await startFakeResend({ rateLimit: { limit: 2, windowMs: 1000 } });
    try {
      const realTime = { ...t.ctx, now: () => new Date() };
      const pace = new Pace();
      const senders = [1, 2].map(
        () =>
          new OutboxSender({
            ctx: realTime,
            transport: resendTransport('re_test', { baseUrl: limited.url }),
            settings: { ...t.subscriptions, from: 'a@example.com' },
            logger: silentLogger,
            pace,
          }),
      );
      await subscribers(1000);
      await declare();
      const started = performance.now();
      await Promise.all(senders.map((s) => s.drain()));
      const elapsed = performance.now() - started;
      expect(limited.deliveries).toHaveLength(1000);
      expect(limited.refused).toBeLessThanOrEqual(1);
      // 10 batches at 2 a second: about 4.5 s, never faster than the limit allows.
      expect(elapsed).toBeGreaterThan(4000);
      expect(await counts()).toMatchObject({ sent: 1000, failed: 0 });
    } finally {
      await limited.close();
    }
  }, 30_000);

  test('a 429 holds every sender of the process for its Retry-After', async () => {
    const pace = new Pace();
    pace.observe(1_000, { status: 429, rateLimit: null, retryAfterSeconds: 30 });
    expect(pace.earliest(1_000)).toBe(31_000);
    expect(pace.reserve(2_000)).toBe(31_000);
  });
});
