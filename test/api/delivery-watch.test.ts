import { afterEach, beforeEach, expect, test } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { outbox } from '../../db/schema/index.ts';
import { silentLogger } from '../../api/log.ts';
import { DeliveryWatch } from '../../api/workers/delivery-watch.ts';
import type { OutboxSender } from '../../api/workers/outbox-sender.ts';
import { createTestApp, MINUTE, senderTo, type TestApp } from '../helpers/app.ts';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend.ts';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.ts';

// Nothing fails for good without someone knowing: the responders hear (email and the responder
// webhook, a real local receiver) of emails given up and of a provider refusing everything.
let t: TestApp;
let resend: FakeResend;
let hook: Receiver;
let sender: OutboxSender;
let watch: DeliveryWatch;

beforeEach(async () => {
  t = await createTestApp();
  resend = await startFakeResend();
  hook = await startReceiver();
  sender = senderTo(resend, t, { random: () => 1 });
  watch = new DeliveryWatch({
    ctx: t.ctx,
    logger: silentLogger,
    publicUrl: 'https://status.example.com',
    recipients: () => ['oncall@example.com'],
    webhookUrl: () => `${hook.url}/responders`,
    keepMs: 48 * 60 * MINUTE,
  });
  await t.call('POST', '/subscribers', { body: { email: 'jane@example.org', confirmed: true } });
});
afterEach(async () => {
  await resend.close();
  await hook.close();
  t.cleanup();
});

const declare = (title: string) => t.call('POST', '/incidents', { body: { title, severity: 'SEV-2', body: 'Looking.' } });
const notices = () =>
  t.database.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.recipient, 'oncall@example.com'), eq(outbox.template, 'responder-notice')));

test('emails given up for good: the responders are told once, by email and webhook, and again for the next ones', async () => {
  await declare('Checkout failing');
  resend.fail({ status: 422, message: 'invalid to' });
  await sender.drain();
  await watch.tick();
  const [notice] = await notices();
  expect(notice!.payload).toMatchObject({ headline: 'Email delivery trouble', title: '1 email failed for good (last reason: 422: invalid to).' });
  const [posted] = hook.on('/responders');
  expect(JSON.parse(posted!.body)).toMatchObject({ candor: { kind: 'delivery_trouble', failed: 1, provider_down_since: null } });

  await watch.tick();
  expect(await notices()).toHaveLength(1);
  expect(hook.on('/responders')).toHaveLength(1);

  await declare('Search slow');
  resend.fail({ status: 422, message: 'invalid to' });
  await sender.drain(); // the notice to oncall@ goes out too
  await watch.tick();
  expect(await notices()).toHaveLength(2);
});

test('a provider refusing everything for 10 minutes: shown on GET /outbox at once, the responders told at 10 minutes, cleared by a success', async () => {
  await declare('Checkout failing');
  resend.fail(...Array.from({ length: 20 }, () => ({ status: 503 as const })));
  await sender.drain();
  const refusing = (await t.call('GET', '/outbox')).json;
  expect(refusing.provider_refusing_since).toBe(t.clock.now().toISOString());
  await watch.tick();
  expect(await notices()).toHaveLength(0);

  for (let i = 0; i < 5; i++) {
    t.clock.advance(3 * MINUTE);
    await sender.drain();
  }
  await watch.tick();
  const [notice] = await notices();
  expect(notice!.payload!.message).toContain('The email provider has refused every batch since');
  expect(JSON.parse(hook.on('/responders')[0]!.body).candor.provider_down_since).toBe(refusing.provider_refusing_since);
  await watch.tick();
  expect(await notices()).toHaveLength(1);

  resend.recover();
  t.clock.advance(20 * MINUTE);
  await sender.drain();
  expect((await t.call('GET', '/outbox')).json.provider_refusing_since).toBeNull();
});
