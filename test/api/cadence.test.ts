import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createTestApp, MINUTE, type TestApp } from '../helpers/app.ts';
import { snapshot } from '../helpers/db.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.cleanup());

const at = (minutes: number) => new Date(new Date('2026-11-02T10:00:00Z').getTime() + minutes * MINUTE).toISOString();

describe('next-update deadlines', () => {
  test('each public update sets the deadline its severity allows; resolving clears it', async () => {
    const { json: inc } = await t.call('POST', '/incidents', { body: { title: 'x', severity: 'SEV-1', body: 'b' } });
    expect(inc.next_update_due_at).toBe(at(30));
    t.clock.advance(12 * MINUTE);
    const updated = await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'identified', body: 'found it' } });
    expect(updated.json.next_update_due_at).toBe(at(42));
    const resolved = await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'done' } });
    expect(resolved.json.next_update_due_at).toBeNull();
  });

  test('an earlier promise is kept; a later one is refused (422, naming the latest time) and nothing is written', async () => {
    const { json: inc } = await t.call('POST', '/incidents', { body: { title: 'x', severity: 'SEV-2', body: 'b', next_update_at: at(15) } });
    expect(inc.next_update_due_at).toBe(at(15));
    t.clock.advance(5 * MINUTE);
    const before = await snapshot(t.database);
    const late = await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'identified', body: 'x', next_update_at: at(5 + 61) } });
    expect(late.status).toBe(422);
    expect(late.json).toMatchObject({
      code: 'cadence_violation',
      detail: `The next update is due by ${at(65)} at the latest`,
      errors: [{ path: 'next_update_at', message: `must be no later than ${at(65)} (SEV-2: at least every 60 min)` }],
    });
    expect(await snapshot(t.database)).toEqual(before);
  });

  test('a severity upgrade re-plans at once and can make an incident due now', async () => {
    const { json: inc } = await t.call('POST', '/incidents', { body: { title: 'x', severity: 'SEV-2', body: 'b' } });
    expect(inc.next_update_due_at).toBe(at(60));
    t.clock.advance(40 * MINUTE);
    const upgraded = await t.call('PATCH', `/incidents/${inc.id}`, { body: { severity: 'SEV-1' } });
    expect(upgraded.json.next_update_due_at).toBe(at(30)); // already 10 min overdue
    const downgraded = await t.call('PATCH', `/incidents/${inc.id}`, { body: { severity: 'SEV-2' } });
    expect(downgraded.json.next_update_due_at).toBe(at(60));
  });

  test('internal incidents owe nothing until made public; then the first-update deadline counts from publication', async () => {
    const { json: inc } = await t.call('POST', '/incidents', { body: { title: 'x', severity: 'SEV-3', body: 'internal note' } });
    expect(inc.next_update_due_at).toBeNull();
    const { json: sev4 } = await t.call('POST', '/incidents', { body: { title: 'y', severity: 'SEV-4', body: 'b' } });
    expect(sev4.next_update_due_at).toBeNull();
    t.clock.advance(30 * MINUTE);
    const visible = await t.call('PATCH', `/incidents/${inc.id}`, { body: { customer_visible: true } });
    expect(visible.json.next_update_due_at).toBe(at(30 + 240));
    expect(visible.json.published_at).toBe(at(30));
  });

  test('a reopened incident owes updates again', async () => {
    const { json: inc } = await t.call('POST', '/incidents', { body: { title: 'x', severity: 'SEV-1', body: 'b' } });
    await t.call('POST', `/incidents/${inc.id}/updates`, { body: { status: 'resolved', body: 'done' } });
    t.clock.advance(10 * MINUTE);
    const reopened = await t.call('POST', `/incidents/${inc.id}/reopen`, { body: { status: 'investigating', body: 'back' } });
    expect(reopened.json.next_update_due_at).toBe(at(40));
  });
});

describe('the policy', () => {
  test('is readable, replaceable, validated, and applies to the next change', async () => {
    const { json: policy } = await t.call('GET', '/policy', { key: t.keys.reader });
    expect(policy.severities['SEV-1']).toEqual({ first_update_minutes: 20, every_minutes: 30, customer_email_minutes: 30, postmortem_hours: 48 });
    const bad = await t.call('PUT', '/policy', {
      body: { ...policy, severities: { ...policy.severities, 'SEV-1': { ...policy.severities['SEV-1'], every_minutes: 0 } } },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.errors).toEqual([{ path: 'severities.SEV-1.every_minutes', message: 'must be a whole number from 1 to 10080' }]);
    const tightened = { ...policy, severities: { ...policy.severities, 'SEV-1': { ...policy.severities['SEV-1'], every_minutes: 15 } } };
    expect((await t.call('PUT', '/policy', { body: tightened })).json).toEqual(tightened);
    expect((await t.call('PUT', '/policy', { key: t.keys.writer, body: tightened })).status).toBe(403);
    const { json: inc } = await t.call('POST', '/incidents', { body: { title: 'x', severity: 'SEV-1', body: 'b' } });
    expect(inc.next_update_due_at).toBe(at(15));
  });
});
