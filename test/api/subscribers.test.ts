import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { outbox, rateLimits, subscriberComponents, subscribers } from '../../db/schema/index.ts';
import { manageToken } from '../../api/services/subscribers/tokens.ts';
import { createTestApp, MINUTE, type TestApp } from '../helpers/app.ts';
import { snapshot } from '../helpers/db.ts';

let t: TestApp;
let api: string;
let search: string;
beforeEach(async () => {
  t = await createTestApp();
  api = (await t.call('POST', '/components', { body: { name: 'API' } })).json.id;
  search = (await t.call('POST', '/components', { body: { name: 'Search' } })).json.id;
});
afterEach(() => t.cleanup());

const form = (fields: [string, string][]) => ({
  body: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
});
const subscribeJson = (email: string, componentIds?: string[]) =>
  t.publicCall('POST', '/subscribe', {
    body: JSON.stringify({ email, component_ids: componentIds }),
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '1.2.3.4' },
  });
const outboxRows = () => t.database.db.select().from(outbox);
const subscriberRow = async (email: string) => (await t.database.db.select().from(subscribers).where(eq(subscribers.email, email)).get())!;

describe('subscribing', () => {
  test('new, pending or already confirmed: the same answer and the same work — for a confirmed address that work changes nothing', async () => {
    const commits: { statements: number; changes: string }[] = [];
    const commit = t.database.commit;
    t.database.commit = async (statements) => {
      const before = JSON.stringify(await snapshot(t.database));
      await commit(statements);
      commits.push({ statements: statements.length, changes: JSON.stringify(await snapshot(t.database)) === before ? 'none' : 'some' });
    };
    const from = (email: string, ip: string) =>
      t.publicCall('POST', '/subscribe', {
        body: JSON.stringify({ email, component_ids: [api] }),
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      });
    await t.call('POST', '/subscribers', { body: { email: 'confirmed@example.com', confirmed: true } });
    await from('pending@example.com', '5.5.5.1');
    commits.length = 0;
    const before = await snapshot(t.database);
    const answers = [await from('new@example.com', '5.5.5.2'), await from('pending@example.com', '5.5.5.3'), await from('confirmed@example.com', '5.5.5.4')];
    expect(new Set(answers.map((a) => `${a.status} ${a.text}`)).size).toBe(1);
    expect(commits.map((c) => c.statements)).toEqual([4, 4, 4]);
    expect(commits.map((c) => c.changes)).toEqual(['some', 'some', 'some']); // each at least moves the change counter
    // The confirmed subscriber is exactly as it was: no new token, no components, no email.
    const rowOf = (snap: Record<string, unknown[]>) => snap.subscribers!.find((r) => (r as { email: string }).email === 'confirmed@example.com');
    expect(rowOf(await snapshot(t.database))).toEqual(rowOf(before));
    expect(
      (await snapshot(t.database)).subscriber_components!.filter(
        (r) => (r as { subscriber_id: string }).subscriber_id === (rowOf(before) as { id: string }).id,
      ),
    ).toEqual([]);
    expect((await outboxRows()).filter((r) => r.recipient === 'confirmed@example.com')).toEqual([]);
    expect((await outboxRows()).filter((r) => r.recipient === 'pending@example.com')).toHaveLength(2);
    t.database.commit = commit;
  });

  test('the form redirects to the same neutral message for a new, a pending and a confirmed address', async () => {
    await t.call('POST', '/subscribers', { body: { email: 'known@example.com', confirmed: true } });
    for (const email of ['new@example.com', 'new@example.com', 'known@example.com']) {
      const res = await t.publicCall(
        'POST',
        '/subscribe',
        form([
          ['email', email],
          ['all', '1'],
        ]),
      );
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/subscribe?sent=1');
    }
    const json = await subscribeJson('other@example.com');
    expect(json.status).toBe(202);
    expect(json.json).toEqual({ message: 'If this address can receive our updates, a confirmation email is on its way.' });
    // Confirmation emails only for the unconfirmed addresses; one per request for the pending one.
    const rows = await outboxRows();
    expect(rows.map((r) => [r.recipient, r.template]).sort()).toEqual([
      ['new@example.com', 'subscription-confirmation'],
      ['new@example.com', 'subscription-confirmation'],
      ['other@example.com', 'subscription-confirmation'],
    ]);
    expect((await subscriberRow('known@example.com')).confirmedAt).not.toBeNull();
  });

  test.each(['/subscribe', '/subscriptions/manage', '/subscriptions/unsubscribe'])('%s refuses a body over 32 KB with 413, nothing written', async (path) => {
    const before = await snapshot(t.database);
    const big = `email=a%40example.com&all=1&pad=${'x'.repeat(200_000)}`;
    const res = await t.publicCall('POST', path, { body: big, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ code: 'body_too_large', errors: [{ path: '$', message: 'at most 32768 bytes' }] });
    expect(await snapshot(t.database)).toEqual(before);
  });

  test.each([
    ['/subscribe', 'multipart/form-data; boundary=x', 'garbage'],
    ['/subscribe', 'multipart/form-data', 'email=a%40example.com'],
    ['/subscribe/confirm', 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="token"\r\n\r\ncut sh'],
    ['/subscriptions/manage', 'multipart/form-data; boundary=x', 'garbage'],
    ['/subscriptions/unsubscribe', 'multipart/form-data; boundary=x', 'garbage'],
  ])('%s refuses a form that cannot be read (%s) with a 422, nothing written', async (path, type, body) => {
    const before = await snapshot(t.database);
    const res = await t.publicCall('POST', path, { body, headers: { 'content-type': type, 'x-forwarded-for': '1.2.3.4' } });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ code: 'validation_failed', errors: [{ path: '$', message: 'not a valid form' }] });
    expect(await snapshot(t.database)).toEqual(before);
  });

  test('a form posted from another site is refused and writes nothing; the page’s own form and programs without an Origin pass', async () => {
    const before = await snapshot(t.database);
    const body = 'email=victim%40example.com&all=1';
    const post = (headers: Record<string, string>) =>
      t.publicCall('POST', '/subscribe', { body, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers } });
    const foreign: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: 'https://status.example.com', 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of foreign) {
      const res = await post(headers);
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ code: 'cross_origin', errors: [{ path: 'Origin', message: 'not this status page' }] });
    }
    const manage = await t.publicCall('POST', '/subscriptions/manage', {
      body: 'token=x&action=unsubscribe',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
    });
    expect(manage.status).toBe(403);
    expect(await snapshot(t.database)).toEqual(before);
    // The status page's own origin (its public URL, or the address the form was sent to), and no Origin at all.
    expect((await post({ origin: 'https://status.example.com' })).status).toBe(303);
    expect((await post({ origin: 'http://localhost' })).status).toBe(303);
    expect((await post({})).status).toBe(303);
  });

  test('an invalid address is refused, naming the field', async () => {
    const res = await subscribeJson('not-an-address');
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([{ path: 'email', message: 'not an email address' }]);
    const page = await t.publicCall('POST', '/subscribe', form([['email', 'nope']]));
    expect(page.headers.get('location')).toBe('/subscribe?error=email');
  });

  test('confirming: the link works once, within 48 hours', async () => {
    await subscribeJson('a@example.com', [api]);
    const [row] = await outboxRows();
    const token = row!.payload!.token!;
    expect((await subscriberRow('a@example.com')).confirmTokenHash).not.toContain(token);
    const { confirmSubscription } = await import('../../api/services/subscribers/confirm.ts');
    await expect(confirmSubscription(t.ctx, token)).resolves.toMatchObject({ email: 'a@example.com' });
    await expect(confirmSubscription(t.ctx, token)).rejects.toThrow('The confirmation link is not valid');

    await subscribeJson('late@example.com');
    const late = (await outboxRows()).find((r) => r.recipient === 'late@example.com')!.payload!.token!;
    t.clock.advance(48 * 60 * MINUTE + 1);
    await expect(confirmSubscription(t.ctx, late)).rejects.toThrow('The confirmation link is not valid');
    expect((await subscriberRow('late@example.com')).confirmedAt).toBeNull();
  });

  test('confirming over HTTP: the emailed link only shows a button; its POST confirms, once', async () => {
    await subscribeJson('b@example.com');
    const token = (await outboxRows()).find((r) => r.recipient === 'b@example.com')!.payload!.token!;
    const confirm = (body: unknown) =>
      t.publicCall('POST', '/subscribe/confirm', { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const bad = await confirm({ token: 'not-a-token' });
    expect(bad.status).toBe(422);
    expect(bad.json).toMatchObject({ type: '/problems/validation_failed' });
    expect((await subscriberRow('b@example.com')).confirmedAt).toBeNull();
    expect((await confirm({ token })).status).toBe(200);
    expect((await subscriberRow('b@example.com')).confirmedAt).not.toBeNull();
    // A browser's form: redirected to the page that says so.
    const again = await t.publicCall('POST', '/subscribe/confirm', {
      body: `token=${encodeURIComponent(token)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    });
    expect(again.headers.get('location')).toBe('/subscribe/confirm?invalid=1');
  });

  test('the rate-limit table keeps only counters whose window is still running', async () => {
    await subscribeJson('first@example.com');
    const keys = async () => (await t.database.db.select().from(rateLimits)).map((r) => r.key).sort();
    expect(await keys()).toEqual(['subscribe:email:first@example.com', 'subscribe:ip:1.2.3.4']);
    t.clock.advance(30 * MINUTE);
    await subscribeJson('second@example.com');
    expect(await keys()).toHaveLength(3); // the first address's window is still running
    t.clock.advance(31 * MINUTE);
    await subscribeJson('third@example.com');
    // The first address's window ended and is gone; the IP's counter started over (one row).
    expect(await keys()).toEqual(['subscribe:email:second@example.com', 'subscribe:email:third@example.com', 'subscribe:ip:1.2.3.4']);
  });

  test('rate limited per IP and per address: 429 problem with Retry-After, nothing written', async () => {
    for (let i = 0; i < 5; i++) expect((await subscribeJson('same@example.com')).status).toBe(202);
    const before = await snapshot(t.database);
    const res = await subscribeJson('same@example.com');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3600');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json).toMatchObject({ code: 'rate_limited', errors: [{ path: 'ip', message: 'retry after 3600 s' }] });
    // Not even the counters move: a refused request writes nothing.
    expect(await snapshot(t.database)).toEqual(before);
    t.clock.advance(60 * MINUTE);
    expect((await subscribeJson('same@example.com')).status).toBe(202);
  });

  test('a client over its limit does not use up the quota of the address it asks about', async () => {
    const from = (ip: string, email: string) =>
      t.publicCall('POST', '/subscribe', {
        body: JSON.stringify({ email }),
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      });
    for (let i = 0; i < 5; i++) expect((await from('6.6.6.6', `x${i}@example.com`)).status).toBe(202);
    // Over its own limit, the client hammers a victim's address: refused each time, on its own key.
    for (let i = 0; i < 20; i++) expect((await from('6.6.6.6', 'victim@example.com')).json.errors).toEqual([{ path: 'ip', message: 'retry after 3600 s' }]);
    const victim = await t.database.db.select().from(rateLimits).where(eq(rateLimits.key, 'subscribe:email:victim@example.com'));
    expect(victim).toEqual([]);
    // The victim's own five tries are all still there.
    for (let i = 0; i < 5; i++) expect((await from(`7.7.7.${i}`, 'victim@example.com')).status).toBe(202);
  });

  test('the per-IP limit counts the client behind the proxy, whatever address it asks about', async () => {
    const from = (ip: string, email: string) =>
      t.publicCall('POST', '/subscribe', {
        body: JSON.stringify({ email }),
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.0.0.1, ${ip}` },
      });
    for (let i = 0; i < 5; i++) expect((await from('9.9.9.9', `a${i}@example.com`)).status).toBe(202);
    const refused = await from('9.9.9.9', 'fresh@example.com');
    expect(refused.status).toBe(429);
    expect(refused.json.errors).toEqual([{ path: 'ip', message: 'retry after 3600 s' }]);
    expect((await from('8.8.8.8', 'fresh@example.com')).status).toBe(202);
  });
});

describe('who hears of an update', () => {
  test('confirmed subscribers whose filter matches; never the unconfirmed; never for internal incidents', async () => {
    await t.call('POST', '/subscribers/import', {
      body: [
        { email: 'all@example.com', confirmed: true },
        { email: 'api@example.com', component_ids: [api], confirmed: true },
        { email: 'search@example.com', component_ids: [search], confirmed: true },
        { email: 'pending@example.com' },
      ],
    });
    await t.database.db.delete(outbox);
    const { json: inc } = await t.call('POST', '/incidents', {
      body: { title: 'API down', severity: 'SEV-1', body: 'x', components: [{ id: api, status: 'major_outage' }] },
    });
    const rows = await outboxRows();
    expect(rows.map((r) => r.recipient).sort()).toEqual(['all@example.com', 'api@example.com']);
    expect(rows.every((r) => r.eventKey === `incident_update:${inc.updates[0].id}` && r.template === 'incident-update')).toBe(true);

    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'identified', body: 'quiet', deliver_notifications: false } });
    await t.call('POST', '/incidents', { body: { title: 'internal', severity: 'SEV-4', body: 'x' } });
    await t.call('POST', '/incidents', { body: { title: 'sev3', severity: 'SEV-3', body: 'x' } });
    expect(await outboxRows()).toHaveLength(2);
  });

  test('the outbox rows are written in the update’s own transaction: a refused update enqueues nothing', async () => {
    await t.call('POST', '/subscribers', { body: { email: 'all@example.com', confirmed: true } });
    const res = await t.call('POST', '/incidents', {
      body: { title: 'x', severity: 'SEV-1', body: 'b', components: [{ id: 'nosuchcompon', status: 'major_outage' }] },
    });
    expect(res.status).toBe(422);
    expect(await outboxRows()).toEqual([]);
  });
});

describe('managing and unsubscribing', () => {
  test('one-click unsubscribe (RFC 8058) removes the subscriber and their queued emails', async () => {
    const { json: s } = await t.call('POST', '/subscribers', { body: { email: 'bye@example.com', confirmed: true } });
    await t.call('POST', '/incidents', { body: { title: 'x', severity: 'SEV-2', body: 'b' } });
    expect(await outboxRows()).toHaveLength(1);
    const token = manageToken(t.subscriptions.secret, { id: s.id, tokenVersion: 1 });
    const res = await t.publicCall('POST', `/subscriptions/unsubscribe?token=${encodeURIComponent(token)}`, {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe('You are unsubscribed.\n');
    expect((await t.call('GET', '/subscribers/count')).json).toEqual({ total: 0, confirmed: 0, unconfirmed: 0 });
    expect(await outboxRows()).toEqual([]);
    const again = await t.publicCall('POST', `/subscriptions/unsubscribe?token=${encodeURIComponent(token)}`, {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(again.status).toBe(422);
  });

  test('a forged or tampered token is refused', async () => {
    const { json: s } = await t.call('POST', '/subscribers', { body: { email: 'x@example.com', confirmed: true } });
    const forged = manageToken('some-other-secret', { id: s.id, tokenVersion: 1 });
    const res = await t.publicCall('POST', `/subscriptions/unsubscribe?token=${encodeURIComponent(forged)}`, {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(422);
    expect((await t.call('GET', '/subscribers/count')).json.total).toBe(1);
  });

  test('the manage form changes the component filter', async () => {
    const { json: s } = await t.call('POST', '/subscribers', { body: { email: 'm@example.com', confirmed: true } });
    const token = manageToken(t.subscriptions.secret, { id: s.id, tokenVersion: 1 });
    const res = await t.publicCall(
      'POST',
      '/subscriptions/manage',
      form([
        ['token', token],
        ['all', '0'],
        ['component_ids', search],
        ['action', 'update'],
      ]),
    );
    expect(res.status).toBe(303);
    expect((await t.call('GET', `/subscribers/${s.id}`)).json.component_ids).toEqual([search]);
    await t.publicCall(
      'POST',
      '/subscriptions/manage',
      form([
        ['token', token],
        ['all', '1'],
        ['action', 'update'],
      ]),
    );
    expect((await t.call('GET', `/subscribers/${s.id}`)).json.component_ids).toBeNull();
  });
});

describe('admin API', () => {
  test('create, list with filters and paging, count, delete', async () => {
    const created = await t.call('POST', '/subscribers', { body: { email: 'Ops@Example.com', component_ids: [api] } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ email: 'ops@example.com', confirmed_at: null, component_ids: [api], source: 'admin' });
    for (const e of ['b@example.com', 'c@example.com', 'd@example.com']) await t.call('POST', '/subscribers', { body: { email: e, confirmed: true } });
    expect((await t.call('GET', '/subscribers/count')).json).toEqual({ total: 4, confirmed: 3, unconfirmed: 1 });
    expect((await t.call('GET', '/subscribers?state=unconfirmed')).json.data.map((s: any) => s.email)).toEqual(['ops@example.com']);
    const first = await t.call('GET', '/subscribers?limit=2');
    expect(first.json.data.map((s: any) => s.email)).toEqual(['b@example.com', 'c@example.com']);
    const second = await t.call('GET', `/subscribers?limit=2&cursor=${first.json.next_cursor}`);
    expect(second.json.data.map((s: any) => s.email)).toEqual(['d@example.com', 'ops@example.com']);
    expect(second.json.next_cursor).toBeNull();
    expect((await t.call('DELETE', `/subscribers/${created.json.id}`)).status).toBe(204);
    expect((await t.call('GET', `/subscribers/${created.json.id}`)).status).toBe(404);
  });

  test('CSV import, all or nothing, naming the bad rows', async () => {
    const csv = `email,component_ids,confirmed\r\na@example.com,${api},true\r\n"b@example.com",,false\r\n`;
    const ok = await t.call('POST', '/subscribers/import', { body: csv, headers: { 'content-type': 'text/csv' } });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ imported: 2, unchanged: 0 });
    expect((await t.call('GET', '/subscribers/count')).json).toEqual({ total: 2, confirmed: 1, unconfirmed: 1 });

    const before = await snapshot(t.database);
    const bad = await t.call('POST', '/subscribers/import', {
      body: [{ email: 'c@example.com' }, { email: 'd@example.com', component_ids: ['nosuchcompon'] }],
    });
    expect(bad.status).toBe(422);
    expect(bad.json.errors).toEqual([{ path: '[1].component_ids[0]', message: 'no component with id nosuchcompon' }]);
    expect(await snapshot(t.database)).toEqual(before);
    // CSV that does not parse (a quote never closed) is a 400 naming the body, nothing written.
    const broken = await t.call('POST', '/subscribers/import', { body: 'email\r\n"c@example.com\r\n', headers: { 'content-type': 'text/csv' } });
    expect(broken.status).toBe(400);
    expect(broken.json).toMatchObject({ code: 'malformed_csv', type: '/problems/malformed_csv', errors: [{ path: '$' }] });
    expect(await snapshot(t.database)).toEqual(before);
  });

  test('an import of an address known but not confirmed keeps its id, gives it a new token and its new components; confirmed, it stays as it is', async () => {
    const created = await t.call('POST', '/subscribers', { body: { email: 'pending@example.com', component_ids: [api] } });
    expect(created.status).toBe(201);
    const before = await subscriberRow('pending@example.com');
    const components = async (id: string) =>
      (await t.database.db.select().from(subscriberComponents).where(eq(subscriberComponents.subscriberId, id))).map((r) => r.componentId);
    expect(await components(before.id)).toEqual([api]);

    const resent = await t.call('POST', '/subscribers/import', {
      body: [{ email: 'Pending@example.com' }, { email: 'fresh@example.com', component_ids: [api] }],
    });
    expect(resent.json).toEqual({ imported: 2, unchanged: 0 });
    const after = await subscriberRow('pending@example.com');
    expect(after).toMatchObject({ id: before.id, confirmedAt: null, allComponents: true });
    expect(after.confirmTokenHash).not.toBe(before.confirmTokenHash);
    expect(await components(before.id)).toEqual([]);
    expect(await components((await subscriberRow('fresh@example.com')).id)).toEqual([api]);
    const confirmations = (await outboxRows()).filter((r) => r.recipient === 'pending@example.com');
    expect(confirmations.map((r) => r.eventKey)).toEqual([
      `confirm:${before.id}:${before.confirmTokenHash!.slice(0, 16)}`,
      `confirm:${before.id}:${after.confirmTokenHash!.slice(0, 16)}`,
    ]);

    const confirmed = await t.call('POST', '/subscribers/import', { body: [{ email: 'pending@example.com', component_ids: [api], confirmed: true }] });
    expect(confirmed.json).toEqual({ imported: 1, unchanged: 0 });
    expect(await subscriberRow('pending@example.com')).toMatchObject({
      id: before.id,
      confirmedAt: expect.any(Date),
      confirmTokenHash: null,
      allComponents: false,
    });
    expect(await components(before.id)).toEqual([api]);
    const again = await t.call('POST', '/subscribers/import', { body: [{ email: 'pending@example.com' }] });
    expect(again.json).toEqual({ imported: 0, unchanged: 1 });
    expect((await outboxRows()).filter((r) => r.recipient === 'pending@example.com')).toHaveLength(2);
  });

  test('an import of 20 000 rows in one request (past the API’s 64 KB), merged with what is known; past 16 MB it is a 413', async () => {
    await t.call('POST', '/subscribers', { body: { email: 'user00007@example.com', confirmed: true } });
    const lines = Array.from({ length: 20_000 }, (_, i) => `user${String(i).padStart(5, '0')}@example.com,${i % 2 ? api : ''},${i % 3 ? 'true' : 'false'}`);
    const csv = `email,component_ids,confirmed\n${lines.join('\n')}\nUSER00001@example.com,,true\n`;
    expect(Buffer.byteLength(csv)).toBeGreaterThan(64 * 1024);
    const res = await t.call('POST', '/subscribers/import', { body: csv, headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(200);
    // user00007 was already confirmed, and the last line repeats user00001.
    expect(res.json).toEqual({ imported: 19_999, unchanged: 2 });
    expect((await t.call('GET', '/subscribers/count')).json).toEqual({ total: 20_000, confirmed: 13_333, unconfirmed: 6_667 });
    const one = (await t.call('GET', '/subscribers?email=user00001@')).json.data[0];
    expect(one).toMatchObject({ email: 'user00001@example.com', component_ids: [api], confirmed_at: expect.any(String) });
    const confirmations = await t.database.db.select().from(outbox).where(eq(outbox.template, 'subscription-confirmation'));
    expect(confirmations).toHaveLength(6_667);
    // The rows read back as the ones a single subscription writes.
    const [pending] = await t.database.db.select().from(subscribers).where(eq(subscribers.email, 'user00000@example.com'));
    expect(pending).toMatchObject({ type: 'email', source: 'import', confirmedAt: null, allComponents: true, tokenVersion: 1, consecutiveFailures: 0 });
    expect(pending!.createdAt).toBeInstanceOf(Date);
    expect(pending!.confirmExpiresAt!.getTime()).toBeGreaterThan(pending!.createdAt.getTime());
    const mail = confirmations.find((c) => c.recipient === 'user00000@example.com')!;
    expect(mail).toMatchObject({ channel: 'email', status: 'queued', attempts: 0, subscriberId: pending!.id, payload: { token: expect.any(String) } });
    expect(mail.eventKey).toBe(`confirm:${pending!.id}:${pending!.confirmTokenHash!.slice(0, 16)}`);

    const huge = await t.call('POST', '/subscribers/import', { body: `email\n${'x'.repeat(17 * 1024 * 1024)}`, headers: { 'content-type': 'text/csv' } });
    expect(huge.status).toBe(413);
    const small = await t.call('POST', '/subscribers', { body: { email: 'a'.repeat(70 * 1024) } });
    expect(small.status).toBe(413);
  });

  test('a read key cannot add subscribers', async () => {
    const res = await t.call('POST', '/subscribers', { key: t.keys.reader, body: { email: 'x@example.com' } });
    expect(res.status).toBe(403);
  });
});
