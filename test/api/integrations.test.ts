import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { eq } from 'drizzle-orm';
import { cadenceNotices, componentStatusIntervals, outbox } from '../../db/schema/index.ts';
import { applyHeldAlertStatuses } from '../../api/services/integrations/alerts.ts';
import { CadenceWatcher } from '../../api/workers/cadence-watcher.ts';
import { silentLogger } from '../../api/log.ts';
import { getPublicIncident } from '../../api/services/public/incidents.ts';
import { NotFound } from '../../api/domain/errors.ts';
import { createTestApp, MINUTE, type TestApp } from '../helpers/app.ts';

// Alerts in: Grafana's documented webhook payload (fixture) and Alertmanager's version 4
// payload, posted to the integration's URL, move components. The real Alertmanager delivers
// to a real server in test/e2e/alertmanager.test.ts.
let t: TestApp;
let api: string;
let checkout: string;

beforeEach(async () => {
  t = await createTestApp();
  api = (await t.call('POST', '/components', { body: { name: 'API' } })).json.id;
  checkout = (await t.call('POST', '/components', { body: { name: 'Checkout' } })).json.id;
});
afterEach(() => t.cleanup());

async function integration(body: object = {}) {
  const res = await t.call('POST', '/integrations', { body: { type: 'alertmanager', name: 'Prometheus', ...body } });
  expect(res.status).toBe(201);
  return res.json as { id: string; token: string; url_path: string };
}
const post = (path: string, body: unknown) =>
  t.publicCall('POST', path, { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const status = async (id: string) => (await t.call('GET', `/components/${id}`)).json.status;

/** Alertmanager's webhook payload (version 4) for these alerts. */
function alertmanager(alerts: { name: string; component?: string; severity?: string; status?: 'firing' | 'resolved'; summary?: string }[]) {
  return {
    version: '4',
    groupKey: '{}:{alertname="x"}',
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status !== 'resolved') ? 'firing' : 'resolved',
    receiver: 'candor',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com',
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: { alertname: a.name, ...(a.component && { candor_component: a.component }), ...(a.severity && { severity: a.severity }) },
      annotations: a.summary ? { summary: a.summary } : {},
      startsAt: '2026-11-02T09:58:00.123456789Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example.com/graph',
      fingerprint: `fp-${a.name}`,
    })),
  };
}

describe('the integration', () => {
  test('is created with a token shown once, maps by a label and severity, and is listed without its token', async () => {
    const created = await integration();
    expect(created).toMatchObject({
      type: 'alertmanager',
      component_label: 'candor_component',
      severity_statuses: { critical: 'major_outage', warning: 'partial_outage', info: 'degraded_performance' },
      min_hold_seconds: 300,
      draft_incidents: false,
      url_path: `/api/integrations/alertmanager/${created.token}`,
    });
    const listed = await t.call('GET', '/integrations');
    expect(listed.text).not.toContain(created.token);
    expect(listed.json.data).toHaveLength(1);
  });

  test('bad tokens are 401, malformed payloads 422 naming the field, and nothing moves', async () => {
    const { url_path, token } = await integration();
    expect((await post(`/api/integrations/alertmanager/${'x'.repeat(43)}`, alertmanager([{ name: 'a', component: 'API', severity: 'critical' }]))).status).toBe(
      401,
    );
    // The right token for another type of source is no credential either.
    expect((await post(`/api/integrations/grafana/${token}`, { alerts: [] })).status).toBe(401);
    const badVersion = await post(url_path, { ...alertmanager([]), version: '3' });
    expect(badVersion.status).toBe(422);
    expect(badVersion.json.errors[0].path).toBe('version');
    const badAlert = await post(url_path, { version: '4', alerts: [{ status: 'burning', labels: {}, startsAt: 'x', fingerprint: 'f' }] });
    expect(badAlert.status).toBe(422);
    expect(badAlert.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['alerts.0.startsAt', 'alerts.0.status']);
    expect((await post(url_path, '{not json')).status).toBe(400);
    expect(await status(api)).toBe('operational');
    await t.call('PATCH', `/integrations/${(await t.call('GET', '/integrations')).json.data[0].id}`, { body: { disabled: true } });
    expect((await post(url_path, alertmanager([{ name: 'a', component: 'API', severity: 'critical' }]))).status).toBe(401);
  });
});

describe('alerts move components', () => {
  test("Grafana's payload: each alert sets its component by name; the change is on the component's timeline with its source", async () => {
    const created = await t.call('POST', '/integrations', { body: { type: 'grafana', name: 'Grafana' } });
    const payload = readFileSync(new URL('../fixtures/alerts/grafana.json', import.meta.url), 'utf8');
    const res = await post(created.json.url_path, payload);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ accepted: 2, ignored: [], draft_incident_ids: [] });
    expect(await status(api)).toBe('major_outage');
    expect(await status(checkout)).toBe('partial_outage');
    const timeline = await t.call('GET', `/components/${api}/timeline`);
    expect(timeline.json.data[0]).toEqual({
      status: 'major_outage',
      started_at: t.clock.now().toISOString(),
      ended_at: null,
      incident_id: null,
      source: `integration:${created.json.id}`,
    });
    expect(timeline.json.data[1]).toMatchObject({ status: 'operational', ended_at: t.clock.now().toISOString(), source: null });
  });

  test('unknown components and unmapped severities are reported and ignored; the rest apply', async () => {
    const { url_path } = await integration();
    const res = await post(
      url_path,
      alertmanager([
        { name: 'known', component: api, severity: 'warning' },
        { name: 'nowhere', component: 'Billing', severity: 'critical' },
        { name: 'unlabelled', severity: 'critical' },
        { name: 'odd', component: 'API', severity: 'page' },
      ]),
    );
    expect(res.status).toBe(200);
    expect(res.json.accepted).toBe(1);
    expect(res.json.ignored).toEqual([
      { fingerprint: 'fp-nowhere', reason: 'no component with id or name "Billing"' },
      { fingerprint: 'fp-unlabelled', reason: 'no candor_component label' },
      { fingerprint: 'fp-odd', reason: 'severity "page" is not mapped to a component status' },
    ]);
    expect(await status(api)).toBe('partial_outage');
  });

  test('the worst firing alert shows; resolving the last returns the component to operational unless an open incident holds it', async () => {
    const { url_path } = await integration({ min_hold_seconds: 0 });
    await post(
      url_path,
      alertmanager([
        { name: 'errors', component: 'API', severity: 'warning' },
        { name: 'down', component: 'API', severity: 'critical' },
      ]),
    );
    expect(await status(api)).toBe('major_outage');
    await post(url_path, alertmanager([{ name: 'down', component: 'API', severity: 'critical', status: 'resolved' }]));
    expect(await status(api)).toBe('partial_outage');
    // An incident now holds the component at a degraded status: resolving the alert leaves that.
    await t.call('POST', '/incidents', {
      body: { title: 'Slow API', severity: 'SEV-2', body: 'Looking.', components: [{ id: api, status: 'degraded_performance' }] },
    });
    await post(url_path, alertmanager([{ name: 'errors', component: 'API', severity: 'warning', status: 'resolved' }]));
    expect(await status(api)).toBe('degraded_performance');
    expect((await t.call('GET', `/components/${api}`)).json.operator_status ?? 'operational').toBe('operational');
  });

  test("each notification speaks for its own alerts: another group's notification leaves them firing", async () => {
    const { url_path } = await integration({ min_hold_seconds: 0 });
    await post(url_path, alertmanager([{ name: 'down', component: 'API', severity: 'critical' }]));
    await post(url_path, alertmanager([{ name: 'slow', component: 'Checkout', severity: 'warning' }]));
    expect([await status(api), await status(checkout)]).toEqual(['major_outage', 'partial_outage']);
    await post(url_path, alertmanager([{ name: 'slow', component: 'Checkout', severity: 'warning', status: 'resolved' }]));
    expect([await status(api), await status(checkout)]).toEqual(['major_outage', 'operational']);
  });

  test('flapping is damped: a status holds its minimum, the wanted one waits for the clock; worse shows at once', async () => {
    const { url_path } = await integration({ min_hold_seconds: 600 });
    await post(url_path, alertmanager([{ name: 'down', component: 'API', severity: 'critical' }]));
    t.clock.advance(MINUTE);
    const resolved = await post(url_path, alertmanager([{ name: 'down', component: 'API', severity: 'critical', status: 'resolved' }]));
    expect(await status(api)).toBe('major_outage');
    expect(resolved.json.components).toEqual([
      expect.objectContaining({
        id: api,
        status: 'major_outage',
        pending_status: 'operational',
        pending_until: new Date(t.clock.now().getTime() + 9 * MINUTE).toISOString(),
      }),
    ]);
    // It fires again before the hold ends: nothing waits any more, nothing flapped.
    t.clock.advance(MINUTE);
    await post(url_path, alertmanager([{ name: 'down', component: 'API', severity: 'critical' }]));
    expect(await applyHeldAlertStatuses(t.ctx)).toBeNull();
    // Resolved again; the clock applies it once the hold (from the first change) has run.
    await post(url_path, alertmanager([{ name: 'down', component: 'API', severity: 'critical', status: 'resolved' }]));
    const next = await applyHeldAlertStatuses(t.ctx);
    expect(next?.getTime()).toBe(new Date('2026-11-02T10:10:00Z').getTime());
    expect(await status(api)).toBe('major_outage');
    t.clock.set(next!);
    expect(await applyHeldAlertStatuses(t.ctx)).toBeNull();
    expect(await status(api)).toBe('operational');
    const intervals = await t.database.db.select().from(componentStatusIntervals).where(eq(componentStatusIntervals.componentId, api));
    expect(intervals.map((i) => i.status)).toEqual(['operational', 'major_outage', 'operational']);
  });
});

describe('draft incidents', () => {
  test('a firing alert opens one internal draft that responders hear of; a person publishes it in their own words', async () => {
    const { url_path } = await integration({ draft_incidents: true });
    const res = await post(url_path, alertmanager([{ name: 'down', component: 'API', severity: 'critical', summary: 'API 5xx above 50%' }]));
    const [draftId] = res.json.draft_incident_ids;
    const draft = (await t.call('GET', `/incidents/${draftId}`)).json;
    expect(draft).toMatchObject({ title: 'API: API 5xx above 50%', severity: 'SEV-2', draft: true, published_at: null });
    expect(draft.next_update_due_at).toBe(new Date(t.clock.now().getTime() + 60 * MINUTE).toISOString());
    // Firing again opens no second draft; nothing of it is public.
    expect((await post(url_path, alertmanager([{ name: 'down', component: 'API', severity: 'critical' }]))).json.draft_incident_ids).toEqual([]);
    await expect(getPublicIncident(t.ctx, draftId)).rejects.toThrow(NotFound);
    expect(await t.database.db.select().from(outbox).where(eq(outbox.template, 'incident-update'))).toEqual([]);

    // The responders are told (the default commander), with a link to the console.
    const watcher = new CadenceWatcher({ ctx: t.ctx, logger: silentLogger, publicUrl: 'https://status.example.com', defaultCommander: 'oncall@example.com' });
    await watcher.tick();
    const [notice] = await t.database.db.select().from(cadenceNotices).where(eq(cadenceNotices.kind, 'draft'));
    expect(notice).toMatchObject({ incidentId: draftId });
    const [email] = await t.database.db.select().from(outbox).where(eq(outbox.recipient, 'oncall@example.com'));
    expect(email!.payload).toMatchObject({ headline: 'Draft incident from an alert', incident_url: `https://status.example.com/admin/incidents/${draftId}` });

    // Posting an ordinary update keeps it internal; publishing makes it public with these words only.
    const notDraft = await t.call('POST', '/incidents', { body: { title: 'Other', severity: 'SEV-2', body: 'x' } });
    expect((await t.call('POST', `/incidents/${notDraft.json.id}/publish`, { body: { status: 'investigating', body: 'y' } })).status).toBe(409);
    const published = await t.call('POST', `/incidents/${draftId}/publish`, {
      body: { status: 'identified', body: 'Card payments fail; we are rolling back.' },
    });
    expect(published.status).toBe(201);
    expect(published.json).toMatchObject({ draft: false, published_at: t.clock.now().toISOString(), status: 'identified' });
    const shown = await getPublicIncident(t.ctx, draftId);
    expect(shown.updates.map((u) => u.body)).toEqual(['Card payments fail; we are rolling back.']);
    expect(await t.database.db.select().from(outbox).where(eq(outbox.template, 'incident-update'))).toHaveLength(0); // no subscribers here
  });
});
