import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { outbox } from '../../db/schema/index.ts';
import type { OutboxSender } from '../../api/workers/outbox-sender.ts';
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
    expect(await counts()).toEqual({ queued: 0, sending: 0, sent: 250, failed: 0 });
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
