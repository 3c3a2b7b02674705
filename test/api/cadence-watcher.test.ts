import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { cadenceNotices, outbox } from '../../db/schema/index.ts';
import { CadenceWatcher } from '../../api/workers/cadence-watcher.ts';
import { silentLogger } from '../../api/log.ts';
import { STATUSPAGE_ENDPOINTS } from '../../api/public/statuspage.ts';
import { createTestApp, MINUTE, type TestApp } from '../helpers/app.ts';
import { seedDemo } from '../../api/services/demo/seed.ts';

let t: TestApp;
let hooks: { text: string; candor: { kind: string } }[];
let receiver: Server;
let hookUrl: string;

beforeEach(async () => {
  t = await createTestApp();
  hooks = [];
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push(JSON.parse(body));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/slack`;
});
afterEach(async () => {
  await new Promise<void>((r) => receiver.close(() => r()));
  t.cleanup();
});

const watcher = () =>
  new CadenceWatcher({
    ctx: t.ctx,
    logger: silentLogger,
    publicUrl: 'https://status.example.com',
    defaultEscalation: 'escalation@example.com',
    webhookUrl: hookUrl,
    tickMs: 1000,
  });
/** Counts the watcher's reads of which notices are recorded (a select of `cadence_notices.key` alone). */
const spyOnNoticeReads = () => {
  const spy = vi.spyOn(t.database.db, 'select');
  return () => spy.mock.calls.filter(([fields]) => fields && Object.keys(fields).length === 1 && fields.key === cadenceNotices.key).length;
};
const notices = async () => (await t.database.db.select().from(cadenceNotices)).map((n) => n.kind).sort();
const emails = async () =>
  (await t.database.db.select().from(outbox)).filter((r) => r.template === 'responder-notice').map((r) => [r.recipient, r.payload!.headline]);

describe('the cadence watcher', () => {
  test('reminds at T−5, notices the miss at T, escalates after the grace period — once each, across restarts and instances', async () => {
    await t.call('POST', '/incidents', { body: { title: 'Payments failing', severity: 'SEV-1', body: 'b', commander: 'alice@example.com' } });
    const a = watcher();
    const b = watcher();
    t.clock.advance(20 * MINUTE);
    await a.tick();
    expect(await notices()).toEqual([]);

    t.clock.advance(6 * MINUTE); // T−4 min
    await a.tick();
    await b.tick(); // a second instance does not lead
    expect(await notices()).toEqual(['reminder']);

    // The leader dies; by T its lease (3 ticks) has run out and a new process takes over,
    // sending only what was not sent yet.
    t.clock.advance(4 * MINUTE); // T
    const restarted = watcher();
    await restarted.tick();
    expect(await notices()).toEqual(['overdue', 'reminder']);
    await a.tick(); // the old one, back: no longer leads
    await b.tick();
    expect(await notices()).toEqual(['overdue', 'reminder']);

    t.clock.advance(10 * MINUTE); // T + grace
    await restarted.tick();
    await restarted.tick();
    expect(await notices()).toEqual(['escalation', 'overdue', 'reminder']);
    expect(await emails()).toEqual([
      ['alice@example.com', 'Public update due soon'],
      ['alice@example.com', 'Public update overdue'],
      ['escalation@example.com', 'Escalation: public update overdue'],
    ]);
    expect(hooks.map((h) => h.candor.kind)).toEqual(['reminder', 'overdue', 'escalation']);
    expect(hooks[1]!.text).toContain('SEV-1 "Payments failing"');

    // The leader stops (or dies and its lease runs out): another instance takes over, sending nothing twice.
    t.clock.advance(5 * MINUTE);
    await b.tick();
    expect(await notices()).toEqual(['escalation', 'overdue', 'reminder']);
    expect(hooks).toHaveLength(3);
  });

  test('a new update sets a new deadline, with its own notices', async () => {
    const { json: inc } = await t.call('POST', '/incidents', { body: { title: 'x', severity: 'SEV-1', body: 'b', commander: 'alice@example.com' } });
    const w = watcher();
    t.clock.advance(31 * MINUTE);
    await w.tick();
    expect(await notices()).toEqual(['overdue']);
    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'identified', body: 'late, sorry' } });
    t.clock.advance(26 * MINUTE);
    await w.tick();
    expect(await notices()).toEqual(['overdue', 'reminder']);
  });

  test('postmortems: a SEV-1 resolution sets the due date; reminders until one is published', async () => {
    const { json: inc } = await t.call('POST', '/incidents', { body: { title: 'x', severity: 'SEV-1', body: 'b', commander: 'alice@example.com' } });
    const resolved = await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'done' } });
    expect(resolved.json.postmortem_due_at).toBe(new Date(t.clock.now().getTime() + 48 * 60 * MINUTE).toISOString());
    const w = watcher();
    t.clock.advance(24 * 60 * MINUTE + MINUTE);
    await w.tick();
    expect(await notices()).toEqual(['postmortem_reminder']);
    t.clock.advance(24 * 60 * MINUTE);
    await w.tick();
    expect(await notices()).toEqual(['postmortem_overdue', 'postmortem_reminder']);

    const { json: open } = await t.call('POST', '/incidents', { body: { title: 'open', severity: 'SEV-3', body: 'b' } });
    const refused = await t.call('PUT', `/incidents/${open.id}/postmortem`, { body: { body: 'x' } });
    expect(refused.status).toBe(409);
    expect(refused.json.errors).toEqual([{ path: 'id', message: 'incident is investigating' }]);
    const published = await t.call('PUT', `/incidents/${inc.id}/postmortem`, { body: { body: '## What happened\nA bad deploy.' } });
    expect(published.json.postmortem_published_at).not.toBeNull();
    t.clock.advance(24 * 60 * MINUTE);
    await w.tick();
    expect(await notices()).toEqual(['postmortem_overdue', 'postmortem_reminder']);
    const json = (await STATUSPAGE_ENDPOINTS['/api/v2/incidents.json']!(t.ctx, { name: 'Acme', url: 'https://status.example.com' })) as {
      incidents: { id: string; status: string }[];
    };
    expect(json.incidents.find((i) => i.id === inc.id)?.status).toBe('postmortem');
  });

  test('a history of owed postmortems: once their notices are recorded, later passes ask the database about none of them', async () => {
    for (let i = 0; i < 30; i++) {
      const { json: inc } = await t.call('POST', '/incidents', { body: { title: `owed ${i}`, severity: 'SEV-2', body: 'b' } });
      await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'done' } });
    }
    t.clock.advance(73 * 60 * MINUTE); // each one's postmortem is overdue (72 h)
    const w = watcher();
    const asked = spyOnNoticeReads();
    await w.tick();
    expect((await notices()).filter((k) => k === 'postmortem_overdue')).toHaveLength(30);
    expect(asked()).toBe(1);
    for (let pass = 0; pass < 3; pass++) await w.tick();
    expect(asked()).toBe(1); // known to be recorded: nothing to ask
    t.clock.advance(24 * 60 * MINUTE); // a day later each owes its next notice: asked about once more
    await w.tick();
    await w.tick();
    expect(asked()).toBe(2);
    expect((await notices()).filter((k) => k === 'postmortem_overdue')).toHaveLength(60);
  });

  test('internal incidents and resolved ones owe no updates: no notices', async () => {
    await t.call('POST', '/incidents', { body: { title: 'internal', severity: 'SEV-3', body: 'b' } });
    const { json: inc } = await t.call('POST', '/incidents', { body: { title: 'sev2', severity: 'SEV-2', body: 'b' } });
    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'done' } });
    t.clock.advance(10 * 60 * MINUTE);
    await watcher().tick();
    expect(await notices()).toEqual([]);
  });

  test('the demo page’s incidents never notify anyone, however late their deadlines run', async () => {
    await seedDemo(t.ctx);
    for (const hours of [1, 24, 96]) {
      t.clock.advance(hours * 60 * MINUTE);
      await watcher().tick();
    }
    expect(await notices()).toEqual([]);
    expect(hooks).toEqual([]);
    expect((await t.database.db.select().from(outbox)).filter((r) => r.template === 'responder-notice')).toEqual([]);
    // The same open incident, declared for real, is reminded of.
    const { json: inc } = await t.call('POST', '/incidents', { body: { title: 'real', severity: 'SEV-2', body: 'b' } });
    t.clock.advance(2 * 60 * MINUTE);
    await watcher().tick();
    expect((await t.database.db.select().from(cadenceNotices)).map((n) => n.incidentId)).toContain(inc.id);
  });
});

describe('the communication report', () => {
  test('figures match a scripted history computed by hand', async () => {
    // SEV-1 declared 10:00: due 10:30. Update 10:20 (on time, next due 10:50); 11:05 (15 min late,
    // next due 11:35); resolved 11:30 (on time).
    const { json: one } = await t.call('POST', '/incidents', { body: { title: 'one', severity: 'SEV-1', body: 'b' } });
    t.clock.advance(20 * MINUTE);
    await t.call('POST', `/incidents/${one.id}/updates`, { body: { status: 'identified', body: 'u1' } });
    t.clock.advance(45 * MINUTE);
    await t.call('POST', `/incidents/${one.id}/updates`, { body: { status: 'monitoring', body: 'u2' } });
    t.clock.advance(25 * MINUTE);
    await t.call('POST', `/incidents/${one.id}/updates`, { body: { status: 'resolved', body: 'u3' } });
    // SEV-2 declared 12:00: due 13:00; resolved 13:10 (10 min late).
    t.clock.set(new Date('2026-11-02T12:00:00Z'));
    const { json: two } = await t.call('POST', '/incidents', { body: { title: 'two', severity: 'SEV-2', body: 'b' } });
    t.clock.advance(70 * MINUTE);
    await t.call('POST', `/incidents/${two.id}/updates`, { body: { status: 'resolved', body: 'done' } });
    // SEV-2 declared 14:00, still open at 16:00: 60 min overdue now.
    t.clock.set(new Date('2026-11-02T14:00:00Z'));
    await t.call('POST', '/incidents', { body: { title: 'three', severity: 'SEV-2', body: 'b' } });
    t.clock.set(new Date('2026-11-02T16:00:00Z'));

    const res = await t.call('GET', '/reports/communication?from=2026-11-02T00:00:00Z&to=2026-11-03T00:00:00Z', { key: t.keys.reader });
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.json.incidents.map((i: any) => [i.title, i]));
    expect(byId.one).toMatchObject({
      minutes_to_first_public_update: 0,
      public_updates: 4,
      updates_on_time: 2,
      updates_late: 1,
      worst_lateness_minutes: 15,
      postmortem_on_time: null,
    }); // due 48 h after resolution: not yet
    expect(byId.two).toMatchObject({ public_updates: 2, updates_on_time: 0, updates_late: 1, worst_lateness_minutes: 10, postmortem_on_time: null });
    expect(byId.three).toMatchObject({ public_updates: 1, overdue_now_minutes: 60, worst_lateness_minutes: 60 });
    expect(res.json.by_severity).toEqual([
      {
        severity: 'SEV-1',
        incidents: 1,
        minutes_to_first_public_update: { median: 0, p90: 0 },
        first_updates_on_time: 1,
        first_updates_late: 0,
        updates_on_time: 2,
        updates_late: 1,
        on_time_share: 0.667,
        worst_lateness_minutes: { median: 15, p90: 15, max: 15 },
        postmortems_on_time: 0,
        postmortems_late: 0,
      },
      {
        severity: 'SEV-2',
        incidents: 2,
        minutes_to_first_public_update: { median: 0, p90: 0 },
        first_updates_on_time: 2,
        first_updates_late: 0,
        updates_on_time: 0,
        updates_late: 1,
        on_time_share: 0,
        worst_lateness_minutes: { median: 10, p90: 60, max: 60 },
        postmortems_on_time: 0,
        postmortems_late: 0,
      },
    ]);
  });
});
