import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { outbox } from '../../db/schema/index.ts';
import { allowedNetworks } from '../../api/domain/subscribers/endpoint.ts';
import { silentLogger } from '../../api/log.ts';
import { WebhookSender } from '../../api/workers/webhook-sender.ts';
import { createTestApp, senderTo, type TestApp } from '../helpers/app.ts';
import { startFakeResend } from '../helpers/fake-resend.ts';
import { subscribers } from '../../db/schema/index.ts';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.ts';

// Webhook and Slack subscribers through the outbox, to a real HTTP receiver on loopback (an
// allowed network here, as CANDOR_WEBHOOK_ALLOW_NETWORKS=127.0.0.0/8 allows it). Signatures
// are checked with the standardwebhooks package, not with Candor's code.
let t: TestApp;
let receiver: Receiver;
let api: string;
const LOOPBACK = allowedNetworks('127.0.0.0/8');

beforeEach(async () => {
  t = await createTestApp();
  t.ctx.webhookAllowedNetworks = LOOPBACK;
  // Receivers check a signature's timestamp against their own clock.
  t.clock.set(new Date());
  receiver = await startReceiver();
  api = (await t.call('POST', '/components', { body: { name: 'API' } })).json.id;
});
afterEach(async () => {
  await receiver.close();
  t.cleanup();
});

const sender = (options: { pauseAfter?: number; allowed?: typeof LOOPBACK | undefined } = {}) =>
  new WebhookSender({
    ctx: t.ctx,
    settings: t.subscriptions,
    logger: silentLogger,
    allowedNetworks: 'allowed' in options ? options.allowed : LOOPBACK,
    pauseAfter: options.pauseAfter,
    random: () => 0.5,
  });

async function webhook(path = '/hook', extra: object = {}) {
  const res = await t.call('POST', '/subscribers', {
    body: { type: 'webhook', email: 'ops@example.com', endpoint: `${receiver.url}${path}`, confirmed: true, ...extra },
  });
  expect(res.status).toBe(201);
  return res.json as { id: string; signing_secret: string };
}
const declare = (title = 'Elevated API errors') =>
  t.call('POST', '/incidents', {
    body: { title, severity: 'SEV-2', body: 'We are **on it**.', components: [{ id: api, status: 'partial_outage' }] },
  });
const deliveries = (subscriberId: string) => t.database.db.select().from(outbox).where(eq(outbox.subscriberId, subscriberId));

describe('creating', () => {
  test('a webhook subscriber answers its signing secret once; reading it back never shows it', async () => {
    const created = await webhook();
    expect(created.signing_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created).toMatchObject({
      type: 'webhook',
      email: 'ops@example.com',
      endpoint: `${receiver.url}/hook`,
      delivery: { state: 'active', consecutive_failures: 0 },
    });
    const read = await t.call('GET', `/subscribers/${created.id}`);
    expect(read.json).not.toHaveProperty('signing_secret');
    expect(read.text).not.toContain(created.signing_secret);
  });

  test.each([
    ['ftp://example.com/hook', 'must be an http or https URL'],
    ['https://user:pw@example.com/hook', 'must not carry a user name or password'],
    ['not a url', 'not a URL'],
    ['http://169.254.169.254/latest/meta-data', 'private, loopback or link-local'],
    ['http://10.0.0.5/hook', 'private, loopback or link-local'],
    ['http://[::1]/hook', 'private, loopback or link-local'],
    ['http://[::ffff:192.168.1.1]/hook', 'private, loopback or link-local'],
  ])('%s is refused naming the endpoint', async (endpoint, message) => {
    const res = await t.call('POST', '/subscribers', { body: { type: 'webhook', email: 'ops@example.com', endpoint } });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([expect.objectContaining({ path: 'endpoint', message: expect.stringContaining(message) })]);
    expect((await t.call('GET', '/subscribers/count')).json.total).toBe(0);
  });

  test('imported from CSV with type and endpoint, next to email subscribers of the same address', async () => {
    const csv = `type,email,endpoint,component_ids,confirmed\nemail,ops@example.com,,,true\nwebhook,ops@example.com,${receiver.url}/a,${api},true\nslack,ops@example.com,${receiver.url}/b,,false\nwebhook,ops@example.com,http://10.0.0.1/x,,true\n`;
    const refused = await t.call('POST', '/subscribers/import', { body: csv, headers: { 'content-type': 'text/csv' } });
    expect(refused.status).toBe(422);
    expect(refused.json.errors).toEqual([expect.objectContaining({ path: '[3].endpoint' })]);
    const res = await t.call('POST', '/subscribers/import', { body: csv.split('\n').slice(0, 4).join('\n'), headers: { 'content-type': 'text/csv' } });
    expect(res.json).toEqual({ imported: 3, unchanged: 0 });
    const list = (await t.call('GET', '/subscribers?email=ops@')).json.data;
    expect(list.map((s: { type: string; endpoint: string | null; component_ids: string[] | null }) => [s.type, s.endpoint, s.component_ids]).sort()).toEqual([
      ['email', null, null],
      ['slack', `${receiver.url}/b`, null],
      ['webhook', `${receiver.url}/a`, [api]],
    ]);
  });

  test('a webhook without its URL is refused, and loopback only with the network allowed', async () => {
    const missing = await t.call('POST', '/subscribers', { body: { type: 'slack', email: 'ops@example.com' } });
    expect(missing.status).toBe(422);
    expect(missing.json.errors[0].path).toBe('endpoint');
    t.ctx.webhookAllowedNetworks = undefined;
    const loopback = await t.call('POST', '/subscribers', { body: { type: 'webhook', email: 'ops@example.com', endpoint: `${receiver.url}/hook` } });
    expect(loopback.status).toBe(422);
  });
});

describe('delivery', () => {
  test("an incident update reaches a webhook signed per Standard Webhooks, in Statuspage's shape, and Slack as Block Kit", async () => {
    const hook = await webhook('/hook');
    await t.call('POST', '/subscribers', { body: { type: 'slack', email: 'ops@example.com', endpoint: `${receiver.url}/slack`, confirmed: true } });
    const incident = (await declare()).json;
    await sender().drain();

    // The same change moved the component: the webhook hears of both, Slack of the incident only.
    const events = receiver.on('/hook').map((r) => JSON.parse(r.body).candor.event);
    expect(events.sort()).toEqual(['component.update', 'incident.update']);
    const request = receiver.on('/hook').find((r) => r.body.includes('"incident.update"'));
    const payload = new Webhook(hook.signing_secret).verify(request!.body, request!.headers as Record<string, string>) as Record<string, any>;
    expect(request!.headers['webhook-id']).toMatch(/^msg_[\w-]{27}$/);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(payload.meta.unsubscribe).toMatch(/^https:\/\/status\.example\.com\/subscriptions\/unsubscribe\?token=/);
    expect(payload.meta.documentation).toBe('https://status.example.com/subscribe#webhooks');
    expect(payload.page).toEqual({ id: expect.any(String), status_indicator: 'major', status_description: 'Partial System Outage' });
    expect(payload.incident).toMatchObject({ id: incident.id, name: 'Elevated API errors', status: 'investigating', impact: 'major' });
    expect(payload.incident.incident_updates).toEqual([expect.objectContaining({ body: 'We are **on it**.', status: 'investigating' })]);
    expect(payload.candor).toEqual({ event: 'incident.update', incident_update_id: payload.incident.incident_updates[0].id });
    // A forged body does not verify.
    expect(() => new Webhook(hook.signing_secret).verify(request!.body.replace('on it', 'fine'), request!.headers as Record<string, string>)).toThrow();

    const [slack, ...moreSlack] = receiver.on('/slack');
    expect(moreSlack).toEqual([]);
    const message = JSON.parse(slack!.body);
    expect(message.text).toBe('Elevated API errors — Investigating · Major impact');
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Elevated API errors', emoji: false } });
    expect(message.blocks).toContainEqual({ type: 'section', text: { type: 'mrkdwn', text: 'We are on it.' } });
    expect(message.blocks).toContainEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Affected: API: Partial outage' }] });
    expect(message.blocks.at(-1).elements[0].url).toBe(`https://status.example.com/incidents/${incident.id}`);
    expect(slack!.headers['webhook-signature']).toBeUndefined();
  });

  test('a component status change is a component_update to webhooks subscribed to that component only', async () => {
    const other = (await t.call('POST', '/components', { body: { name: 'Web' } })).json.id;
    const ofApi = await webhook('/api-hook', { component_ids: [api] });
    await webhook('/web-hook', { component_ids: [other] });
    await t.call('PATCH', `/components/${api}`, { body: { status: 'degraded_performance' } });
    await sender().drain();
    expect(receiver.on('/web-hook')).toEqual([]);
    const [request] = receiver.on('/api-hook');
    const payload = new Webhook(ofApi.signing_secret).verify(request!.body, request!.headers as Record<string, string>) as Record<string, any>;
    expect(payload.component_update).toMatchObject({ component_id: api, old_status: 'operational', new_status: 'degraded_performance' });
    expect(payload.component).toMatchObject({ id: api, name: 'API', status: 'degraded_performance' });
    expect(payload.candor).toEqual({ event: 'component.update' });
  });

  test('a 503 with Retry-After is retried no sooner, with the same webhook-id and the same bytes', async () => {
    const hook = await webhook('/hook', { component_ids: [api] });
    receiver.answer('/hook', { status: 503, headers: { 'retry-after': '120' } }, { status: 200 });
    await t.call('PATCH', `/components/${api}`, { body: { status: 'major_outage' } });
    const s = sender();
    await s.drain();
    const [row] = await deliveries(hook.id);
    expect(row).toMatchObject({ status: 'queued', attempts: 1, lastError: '503: HTTP 503' });
    expect(row!.nextAttemptAt.getTime() - t.clock.now().getTime()).toBeGreaterThanOrEqual(120_000);
    // Meanwhile the component changes again: the retry still sends what was first sent.
    await t.call('PATCH', `/components/${api}`, { body: { status: 'operational' } });
    t.clock.advance(119_000);
    await s.sendNext();
    expect(receiver.on('/hook')).toHaveLength(2); // the retry is not due; the new change went out
    t.clock.advance(1_000);
    await s.drain();
    const attempts = receiver.on('/hook').filter((r) => r.body.includes('"new_status":"major_outage"'));
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.body).toBe(attempts[0]!.body);
    expect(attempts[1]!.headers['webhook-id']).toBe(attempts[0]!.headers['webhook-id']);
    expect(new Webhook(hook.signing_secret).verify(attempts[1]!.body, attempts[1]!.headers as Record<string, string>)).toBeTruthy();
    expect((await deliveries(hook.id)).map((d) => d.status)).toEqual(['sent', 'sent']);
  });

  test('a name that resolves to a private address is not reached', async () => {
    const local = await t.call('POST', '/subscribers', {
      body: { type: 'webhook', email: 'ops@example.com', endpoint: `${receiver.url.replace('127.0.0.1', 'localhost')}/local`, confirmed: true },
    });
    expect(local.status).toBe(201);
    await t.call('PATCH', `/components/${api}`, { body: { status: 'major_outage' } });
    // This sender allows no private network: localhost resolves to loopback, checked when connecting.
    await sender({ allowed: undefined }).drain();
    expect(receiver.on('/local')).toEqual([]);
    const [refused] = await deliveries(local.json.id);
    expect(refused).toMatchObject({ status: 'failed', lastError: expect.stringContaining('private, loopback or link-local') });
  });

  test('redirects are not followed', async () => {
    const hook = await webhook('/moved', { component_ids: [api] });
    receiver.answer('/moved', { status: 302, headers: { location: `${receiver.url}/elsewhere` } });
    await t.call('PATCH', `/components/${api}`, { body: { status: 'major_outage' } });
    await sender().drain();
    expect(receiver.on('/moved')).toHaveLength(1);
    expect(receiver.on('/elsewhere')).toEqual([]);
    const [moved] = await deliveries(hook.id);
    expect(moved).toMatchObject({ status: 'failed', lastError: expect.stringContaining('redirects are not followed') });
  });

  test('a receiver that does not answer within 5 s is a failed attempt, retried later', async () => {
    const hook = await webhook('/slow', { component_ids: [api] });
    receiver.answer('/slow', 'hang');
    await t.call('PATCH', `/components/${api}`, { body: { status: 'major_outage' } });
    const started = Date.now();
    await sender().drain();
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
    const [row] = await deliveries(hook.id);
    expect(row).toMatchObject({ status: 'queued', attempts: 1, lastError: 'no answer within 5 s' });
  }, 15_000);

  test('after N failures in a row the subscription pauses, its address is told, and it can be resumed', async () => {
    const hook = await webhook('/gone', { component_ids: [api] });
    receiver.answer('/gone', { status: 410 });
    const s = sender({ pauseAfter: 3 });
    for (const status of ['degraded_performance', 'partial_outage', 'major_outage'] as const) {
      await t.call('PATCH', `/components/${api}`, { body: { status } });
      await s.drain();
    }
    expect(receiver.on('/gone')).toHaveLength(3);
    const read = (await t.call('GET', `/subscribers/${hook.id}`)).json;
    expect(read.delivery).toMatchObject({ state: 'paused', consecutive_failures: 3, last_error: '410: HTTP 410', paused_at: expect.any(String) });
    const notice = await t.database.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.template, 'webhook-paused'), eq(outbox.recipient, 'ops@example.com')));
    expect(notice).toHaveLength(1);
    expect(notice[0]).toMatchObject({ channel: 'email', payload: { endpoint: `${receiver.url}/gone`, error: '410: HTTP 410', failures: '3' } });

    // Paused: the next change queues nothing for it.
    await t.call('PATCH', `/components/${api}`, { body: { status: 'operational' } });
    expect(await deliveries(hook.id)).toHaveLength(4); // 3 failed + the notice
    const resumed = await t.call('POST', `/subscribers/${hook.id}/resume`);
    expect(resumed.json.delivery).toMatchObject({ state: 'active', consecutive_failures: 0 });
    receiver.answer('/gone', { status: 200 });
    await t.call('PATCH', `/components/${api}`, { body: { status: 'major_outage' } });
    await s.drain();
    expect(receiver.on('/gone')).toHaveLength(4);
  });
});

describe('from the public page', () => {
  test('a webhook is confirmed by its email address, which alone gets the signing secret; nothing is delivered before', async () => {
    const resend = await startFakeResend();
    try {
      const res = await t.publicCall('POST', '/subscribe', {
        body: JSON.stringify({ type: 'webhook', email: 'Dev@Example.com', endpoint: `${receiver.url}/public-hook`, component_ids: [api] }),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(202);
      const [row] = await t.database.db.select().from(subscribers).where(eq(subscribers.type, 'webhook'));
      expect(row).toMatchObject({ email: 'dev@example.com', endpoint: `${receiver.url}/public-hook`, confirmedAt: null, source: 'page' });

      // Unconfirmed: a change reaches nobody.
      await t.call('PATCH', `/components/${api}`, { body: { status: 'degraded_performance' } });
      await sender().drain();
      expect(receiver.on('/public-hook')).toEqual([]);

      await senderTo(resend, t).drain();
      const [email] = resend.deliveries;
      expect(email!.to).toBe('dev@example.com');
      expect(email!.text).toContain(`the webhook ${receiver.url}/public-hook`);
      expect(email!.text).toContain(row!.signingSecret!);
      expect(email!.html).toContain(row!.signingSecret!);
      // Sent: the outbox keeps neither the token nor the secret.
      const [confirmation] = await t.database.db.select().from(outbox).where(eq(outbox.template, 'subscription-confirmation'));
      expect(confirmation!.payload).toBeNull();

      const token = new URL(/Confirm: (\S+)/.exec(email!.text)![1]!).searchParams.get('token')!;
      const confirmed = await t.publicCall('POST', '/subscribe/confirm', { body: JSON.stringify({ token }), headers: { 'content-type': 'application/json' } });
      expect(confirmed.status).toBe(200);
      await t.call('PATCH', `/components/${api}`, { body: { status: 'major_outage' } });
      await sender().drain();
      const [delivery] = receiver.on('/public-hook');
      const payload = new Webhook(row!.signingSecret!).verify(delivery!.body, delivery!.headers as Record<string, string>) as Record<string, any>;
      expect(payload.component_update.new_status).toBe('major_outage');
    } finally {
      await resend.close();
    }
  });

  test('a private address is refused from the public form too, naming the field', async () => {
    t.ctx.webhookAllowedNetworks = undefined;
    const res = await t.publicCall('POST', '/subscribe', {
      body: JSON.stringify({ type: 'slack', email: 'dev@example.com', endpoint: 'http://192.168.0.10/slack' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(422);
    expect(res.json.errors[0].path).toBe('endpoint');
    expect(await t.database.db.select().from(subscribers)).toEqual([]);
  });
});
