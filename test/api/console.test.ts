import { eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { auditLog, outbox, sessions } from '../../db/schema/index.ts';
import { DEMO_PLANS } from '../../api/domain/availability/sla.ts';
import { STATUSPAGE_ENDPOINTS } from '../../api/public/statuspage.ts';
import { previewUpdate } from '../../api/services/incidents/preview.ts';
import { endSessions, requestSignInLink, resolveSession, setPassword, signInWithLink, signInWithPassword } from '../../api/services/users/sessions.ts';
import { changeUser, createUser, listUsers } from '../../api/services/users/users.ts';
import { SYSTEM_ACTOR } from '../../api/services/context.ts';
import { readOperatorSettings, saveOperatorSettings } from '../../api/services/operator-settings.ts';
import { createTestApp, MINUTE, type TestApp } from '../helpers/app.ts';
import { snapshot } from '../helpers/db.ts';

let t: TestApp;
const site = { publicUrl: 'https://status.example.com', pageName: 'Acme' };
const HOUR = 60 * MINUTE;

beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.cleanup());

const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;
const owner = () => createUser(t.ctx, SYSTEM_ACTOR, { email: 'Owner@Example.com', role: 'owner' }, { publicUrl: site.publicUrl, email: false });

describe('users and sign-in', () => {
  test('the first owner signs in once with the link the CLI prints; the link then stops working', async () => {
    const { user, link } = await owner();
    expect(user).toMatchObject({ email: 'owner@example.com', role: 'owner', hasPassword: false, disabledAt: null });
    expect(link).toMatch(/^https:\/\/status\.example\.com\/admin\/sign-in\/link\?token=[\w-]{43}$/);
    const signedIn = await signInWithLink(t.ctx, tokenOf(link));
    expect(signedIn.user.id).toBe(user.id);
    expect((await resolveSession(t.ctx, signedIn.token))?.user.email).toBe('owner@example.com');
    await expect(signInWithLink(t.ctx, tokenOf(link))).rejects.toMatchObject({ errors: [{ path: 'token', message: expect.stringContaining('already used') }] });
    // Nothing of the token or the session's cookie is stored in the clear.
    const stored = JSON.stringify(await snapshot(t.database));
    expect(stored).not.toContain(tokenOf(link));
    expect(stored).not.toContain(signedIn.token);
  });

  test('an invitation expires after 7 days; a sign-in link after 15 minutes', async () => {
    const { link } = await owner();
    t.clock.advance(7 * 24 * HOUR);
    await expect(signInWithLink(t.ctx, tokenOf(link))).rejects.toMatchObject({ code: 'validation_failed' });
    await requestSignInLink(t.ctx, { email: 'owner@example.com', ip: '192.0.2.1', publicUrl: site.publicUrl });
    const [row] = await t.database.db.select().from(outbox).where(eq(outbox.template, 'sign-in'));
    expect(row).toMatchObject({ recipient: 'owner@example.com', payload: { purpose: 'sign_in' } });
    t.clock.advance(15 * MINUTE);
    await expect(signInWithLink(t.ctx, tokenOf(row!.payload!.url!))).rejects.toMatchObject({ code: 'validation_failed' });
  });

  test('asking a link for an unknown address sends nothing and answers the same', async () => {
    await expect(requestSignInLink(t.ctx, { email: 'nobody@example.com', ip: '192.0.2.1', publicUrl: site.publicUrl })).resolves.toBeUndefined();
    expect(await t.database.db.select().from(outbox)).toEqual([]);
  });

  test('password sign-in: a wrong password and an unknown address fail alike; attempts are rate limited', async () => {
    const { link } = await owner();
    const s = await signInWithLink(t.ctx, tokenOf(link));
    const session = (await resolveSession(t.ctx, s.token))!;
    await expect(setPassword(t.ctx, session, 'short')).rejects.toMatchObject({ errors: [{ path: 'password', message: 'at least 12 characters' }] });
    await setPassword(t.ctx, session, 'correct horse battery');
    const wrong = await signInWithPassword(t.ctx, { email: 'owner@example.com', password: 'wrong password!', ip: '192.0.2.1' }).catch((e) => e);
    const unknown = await signInWithPassword(t.ctx, { email: 'who@example.com', password: 'wrong password!', ip: '192.0.2.1' }).catch((e) => e);
    expect(wrong).toMatchObject({ message: 'Sign-in failed', errors: [{ path: 'password', message: 'wrong email address or password' }] });
    expect(unknown).toEqual(wrong);
    const ok = await signInWithPassword(t.ctx, { email: 'OWNER@example.com', password: 'correct horse battery', ip: '192.0.2.1' });
    expect((await resolveSession(t.ctx, ok.token))?.user.role).toBe('owner');
    // Ten attempts per account per 15 minutes, whatever the client's address.
    for (let i = 0; i < 8; i++)
      await signInWithPassword(t.ctx, { email: 'owner@example.com', password: 'nope nope nope', ip: `198.51.100.${i}` }).catch(() => undefined);
    await expect(signInWithPassword(t.ctx, { email: 'owner@example.com', password: 'correct horse battery', ip: '203.0.113.9' })).rejects.toMatchObject({
      code: 'rate_limited',
      errors: [{ path: 'email' }],
    });
  });

  test('sessions end when idle, at their absolute limit, on sign-out everywhere, and when the user is disabled', async () => {
    const { link } = await owner();
    const a = await signInWithLink(t.ctx, tokenOf(link));
    t.clock.advance(23 * HOUR);
    expect(await resolveSession(t.ctx, a.token)).not.toBeNull();
    t.clock.advance(24 * HOUR);
    expect(await resolveSession(t.ctx, a.token)).toBeNull(); // idle a day

    const responder = await createUser(t.ctx, SYSTEM_ACTOR, { email: 'r@example.com', role: 'responder' }, { publicUrl: site.publicUrl, email: true });
    const b1 = await signInWithLink(t.ctx, tokenOf(responder.link));
    const again = await createUser(t.ctx, SYSTEM_ACTOR, { email: 'r@example.com', role: 'viewer' }, { publicUrl: site.publicUrl, email: false }).catch(
      (e) => e,
    );
    expect(again).toMatchObject({ code: 'conflict', errors: [{ path: 'email', message: 'already has an account' }] });
    await requestSignInLink(t.ctx, { email: 'r@example.com', ip: '192.0.2.1', publicUrl: site.publicUrl });
    const linkRow = (await t.database.db.select().from(outbox).where(eq(outbox.template, 'sign-in'))).find((r) => r.payload?.purpose === 'sign_in')!;
    const b2 = await signInWithLink(t.ctx, tokenOf(linkRow.payload!.url!));
    await endSessions(t.ctx, (await resolveSession(t.ctx, b2.token))!, true);
    expect(await resolveSession(t.ctx, b1.token)).toBeNull();
    expect(await resolveSession(t.ctx, b2.token)).toBeNull();

    const b3 = await signInWithPassword(t.ctx, { email: 'r@example.com', password: 'x', ip: '192.0.2.1' }).catch((e) => e);
    expect(b3.code).toBe('validation_failed'); // no password set
    const c = await signInWithLink(
      t.ctx,
      tokenOf((await createUser(t.ctx, SYSTEM_ACTOR, { email: 'v@example.com', role: 'viewer' }, { publicUrl: site.publicUrl, email: false })).link),
    );
    const viewer = (await listUsers(t.ctx)).find((u) => u.email === 'v@example.com')!;
    await changeUser(t.ctx, SYSTEM_ACTOR, viewer.id, { disabled: true });
    expect(await resolveSession(t.ctx, c.token)).toBeNull();
    expect((await t.database.db.select().from(sessions).where(eq(sessions.userId, viewer.id))).every((s) => s.endedAt !== null)).toBe(true);
  });

  test('the last active owner can be neither demoted nor disabled', async () => {
    const { user } = await owner();
    await expect(changeUser(t.ctx, SYSTEM_ACTOR, user.id, { role: 'viewer' })).rejects.toMatchObject({ code: 'conflict', errors: [{ path: 'role' }] });
    await expect(changeUser(t.ctx, SYSTEM_ACTOR, user.id, { disabled: true })).rejects.toMatchObject({ code: 'conflict' });
    const second = await createUser(t.ctx, SYSTEM_ACTOR, { email: 'two@example.com', role: 'owner' }, { publicUrl: site.publicUrl, email: false });
    await expect(changeUser(t.ctx, SYSTEM_ACTOR, user.id, { role: 'responder' })).resolves.toMatchObject({ role: 'responder' });
    await expect(changeUser(t.ctx, SYSTEM_ACTOR, second.user.id, { disabled: true })).rejects.toMatchObject({ code: 'conflict' });
  });

  test('bad input names its field and writes nothing', async () => {
    const before = await snapshot(t.database);
    const err = await createUser(t.ctx, SYSTEM_ACTOR, { email: 'not an address', name: 'x'.repeat(201), role: 'admin' }, { publicUrl: '', email: true }).catch(
      (e) => e,
    );
    expect(err.errors).toEqual([
      { path: 'email', message: 'not an email address' },
      { path: 'role', message: 'one of owner, responder, viewer' },
      { path: 'name', message: 'at most 200 characters' },
    ]);
    expect(await snapshot(t.database)).toEqual(before);
  });
});

describe('incident templates (admin API)', () => {
  test('create, list, replace and delete; every write is audited', async () => {
    const api = (await t.call('POST', '/components', { body: { name: 'API' } })).json.id;
    const body = {
      name: 'Database failover',
      title: 'Elevated errors',
      body: 'We are failing over the primary database.',
      severity: 'SEV-2',
      components: [{ id: api, status: 'partial_outage' }],
    };
    const created = await t.call('POST', '/templates', { body, key: t.keys.writer });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ ...body, customer_visible: false, id: expect.any(String) });
    expect((await t.call('GET', '/templates', { key: t.keys.reader })).json.data).toHaveLength(1);
    const replaced = await t.call('PUT', `/templates/${created.json.id}`, { body: { ...body, severity: 'SEV-1', components: [] } });
    expect(replaced.json).toMatchObject({ severity: 'SEV-1', components: [] });
    expect((await t.call('DELETE', `/templates/${created.json.id}`)).status).toBe(204);
    expect((await t.call('GET', `/templates/${created.json.id}`)).status).toBe(404);
    const actions = (await t.database.db.select().from(auditLog).where(eq(auditLog.resourceType, 'template'))).map((a) => a.action);
    expect(actions).toEqual(['template.create', 'template.update', 'template.delete']);
  });

  test('refused like everything else: each bad field named, unknown components too, nothing written; readers cannot write', async () => {
    const before = await snapshot(t.database);
    const bad = await t.call('POST', '/templates', { body: { name: '', title: 'x', body: ' ', severity: 'SEV-9', extra: 1 } });
    expect(bad.status).toBe(422);
    expect(bad.json.errors).toEqual([
      { path: 'name', message: 'must not be empty' },
      { path: 'body', message: 'must not be empty' },
      { path: 'severity', message: expect.stringContaining('SEV-1') },
      { path: 'extra', message: 'unknown field' },
    ]);
    const unknown = await t.call('POST', '/templates', {
      body: { name: 'n', title: 't', body: 'b', severity: 'SEV-3', components: [{ id: 'nope', status: 'major_outage' }] },
    });
    expect(unknown.json).toMatchObject({ status: 422, errors: [{ path: 'components[0].id', message: 'no component with id nope' }] });
    expect((await t.call('POST', '/templates', { body: { name: 'n', title: 't', body: 'b', severity: 'SEV-3' }, key: t.keys.reader })).status).toBe(403);
    expect(await snapshot(t.database)).toEqual(before);
  });
});

describe('the update preview states what posting it sends', () => {
  test('its subscriber count and customers match the emails the update then queues', async () => {
    const api = (await t.call('POST', '/components', { body: { name: 'API' } })).json.id;
    const web = (await t.call('POST', '/components', { body: { name: 'Web' } })).json.id;
    const plan = DEMO_PLANS.find((p) => p.name === 'Premium')!;
    const planId = (await t.call('POST', '/sla-plans', { body: { name: plan.name, target: plan.target, ladder: plan.ladder, cap: plan.cap } })).json.id;
    await t.call('POST', '/customers', { body: { name: 'Globex', contacts: ['ops@globex.test'], plan_id: planId, component_ids: [api] } });
    await t.call('POST', '/customers', { body: { name: 'Hooli', contacts: ['noc@hooli.test'], plan_id: planId, component_ids: [web] } });
    for (const [email, ids] of [
      ['all@example.com', []],
      ['api@example.com', [api]],
      ['web@example.com', [web]],
    ] as const) {
      await t.call('POST', '/subscribers', { body: { email, confirmed: true, ...(ids.length && { component_ids: ids }) } });
    }
    await t.call('POST', '/subscribers', { body: { email: 'pending@example.com' } });
    const { json: incident } = await t.call('POST', '/incidents', {
      body: { title: 'API errors', severity: 'SEV-1', body: 'Looking.', components: [{ id: api, status: 'major_outage' }] },
    });
    const queued = async (key: string) => (await t.database.db.select().from(outbox).where(sql`${outbox.eventKey} LIKE ${key}`)).map((r) => r.recipient).sort();

    // Adding Web: its subscriber and its customer are reached too.
    t.clock.advance(10 * MINUTE);
    const draft = { status: 'identified' as const, body: 'Found it: **a bad deploy**.', components: [{ id: web, status: 'degraded_performance' as const }] };
    const preview = await previewUpdate(t.ctx, site, incident.id, draft);
    expect(preview.publicHtml).toBe('<p>Found it: <strong>a bad deploy</strong>.</p>\n');
    expect(preview.customers.map((c) => [c.name, c.recipients])).toEqual([['Hooli', ['noc@hooli.test']]]); // Globex was told already
    const posted = await t.call('POST', `/incidents/${incident.id}/updates`, { body: draft });
    expect(await queued(`incident_update:${posted.json.updates[0].id}`)).toHaveLength(preview.subscribers);
    expect(preview.subscribers).toBe(3);
    expect(await queued('customer_notice:%')).toEqual(['noc@hooli.test', 'ops@globex.test']);

    // Resolving: both customers get their figures, as the preview's email says.
    t.clock.advance(20 * MINUTE);
    const resolve = await previewUpdate(t.ctx, site, incident.id, { status: 'resolved', body: 'Rolled back.', deliverNotifications: false });
    expect(resolve.subscribers).toBe(0);
    expect(resolve.customers.map((c) => c.name)).toEqual(['Globex', 'Hooli']);
    expect(resolve.customers[0]!.text).toContain('Rolled back.');
    expect(resolve.customers[0]!.text).toMatch(/This incident caused 30 minutes of downtime/);
    await t.call('POST', `/incidents/${incident.id}/updates`, { body: { status: 'resolved', body: 'Rolled back.', deliver_notifications: false } });
    expect(await queued('customer_resolution:%')).toEqual(['noc@hooli.test', 'ops@globex.test']);
  });

  test('an internal incident shows nothing public and emails no subscriber', async () => {
    await t.call('POST', '/subscribers', { body: { email: 'all@example.com', confirmed: true } });
    const { json: incident } = await t.call('POST', '/incidents', { body: { title: 'Internal', severity: 'SEV-4', body: 'Quiet.' } });
    expect(await previewUpdate(t.ctx, site, incident.id, { status: 'identified', body: 'x' })).toEqual({ publicHtml: null, subscribers: 0, customers: [] });
  });
});

describe('internal notes', () => {
  test('a note is on the timeline for responders only: never public, no email, the deadline unchanged', async () => {
    await t.call('POST', '/subscribers', { body: { email: 'all@example.com', confirmed: true } });
    const { json: incident } = await t.call('POST', '/incidents', { body: { title: 'Slow', severity: 'SEV-2', body: 'Looking.' } });
    const outboxBefore = (await t.database.db.select().from(outbox)).length;
    t.clock.advance(5 * MINUTE);
    const noted = await t.call('POST', `/incidents/${incident.id}/notes`, { body: { body: 'Paged the database team.' }, key: t.keys.writer });
    expect(noted.status).toBe(201);
    expect(noted.json.updates[0]).toMatchObject({ kind: 'note', public: false, body: 'Paged the database team.', status: 'investigating' });
    expect(noted.json.next_update_due_at).toBe(incident.next_update_due_at);
    expect((await t.database.db.select().from(outbox)).length).toBe(outboxBefore);
    const json = JSON.stringify(await STATUSPAGE_ENDPOINTS['/api/v2/incidents.json']!(t.ctx, { name: 'Acme', url: site.publicUrl }));
    expect(json).toContain('Looking.');
    expect(json).not.toContain('Paged the database team');
    const refused = await t.call('POST', `/incidents/${incident.id}/notes`, { body: { body: '' } });
    expect(refused.json).toMatchObject({ status: 422, errors: [{ path: 'body', message: 'must not be empty' }] });
    expect((await t.call('POST', `/incidents/${incident.id}/notes`, { body: { body: 'x' }, key: t.keys.reader })).status).toBe(403);
  });
});

describe('operator settings', () => {
  const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
  const environment = { emailFrom: '"Acme" <status@acme.example>', defaultCommander: 'oncall@acme.example', escalationContact: null, webhookUrl: null };
  const valid = {
    brandColor: '#0a3069',
    emailFrom: 'Acme Ops <ops@acme.example>',
    emailTimeZone: 'Europe/Berlin',
    defaultCommander: null,
    escalationContact: 'lead@acme.example',
    webhookUrl: 'https://hooks.acme.example/candor',
    logo: `image/png;${PNG}`,
  };

  test('what an owner saves wins over the environment; a cleared field falls back to it', async () => {
    expect(await readOperatorSettings(t.ctx, environment)).toEqual({ ...environment, brandColor: null, emailTimeZone: 'UTC', logo: null });
    await saveOperatorSettings(t.ctx, SYSTEM_ACTOR, valid);
    expect(await readOperatorSettings(t.ctx, environment)).toEqual({ ...valid, defaultCommander: 'oncall@acme.example' });
    await saveOperatorSettings(t.ctx, SYSTEM_ACTOR, { ...valid, emailFrom: null, emailTimeZone: 'UTC' });
    expect(await readOperatorSettings(t.ctx, environment)).toMatchObject({ emailFrom: '"Acme" <status@acme.example>', emailTimeZone: 'UTC' });
    expect((await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'settings.update'))).length).toBe(2);
  });

  test('each bad field is named with what would do, and nothing is written', async () => {
    const before = await snapshot(t.database);
    const err = await saveOperatorSettings(t.ctx, SYSTEM_ACTOR, {
      brandColor: '#ffdd00',
      emailFrom: 'Ops <not an address>',
      emailTimeZone: 'Mars/Olympus',
      defaultCommander: 'nobody',
      escalationContact: null,
      webhookUrl: 'ftp://x',
      logo: `image/png;${Buffer.from('GIF89a-not-a-png').toString('base64')}`,
    }).catch((e) => e);
    expect(err.errors).toEqual([
      { path: 'brand_color', message: 'too light for white text on it (contrast 1.3:1, needs 4.5:1)' },
      { path: 'email_from', message: 'an address, or Name <address>' },
      { path: 'email_time_zone', message: 'a time zone such as Europe/Berlin or UTC' },
      { path: 'default_commander', message: 'not an email address' },
      { path: 'webhook_url', message: 'an http:// or https:// URL' },
      { path: 'logo', message: 'a PNG, JPEG or WebP image' },
    ]);
    expect(await snapshot(t.database)).toEqual(before);
  });
});
