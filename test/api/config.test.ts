import { expect, test } from 'vitest';
import { readConfig } from '../../api/config.ts';

test('defaults: one pulse a second, a 5 s lease and database timeout, shared settings not set', () => {
  const config = readConfig({});
  expect(config).toMatchObject({ pulseMs: 1000, leaseTtlMs: 5000, databaseTimeoutMs: 5000, maintenanceTickMs: 60_000 });
  expect(config.publicUrl).toEqual({ value: 'http://127.0.0.1:4321', set: false });
  expect(readConfig({ CANDOR_PUBLIC_URL: 'https://status.example.com/' }).publicUrl).toEqual({ value: 'https://status.example.com', set: true });
});

test.each([
  ['CANDOR_CADENCE_TICK_MS', '15s'],
  ['CANDOR_PULSE_MS', '0'],
  ['CANDOR_LEASE_TTL_MS', '-5'],
  ['CANDOR_DB_TIMEOUT_MS', 'soon'],
  ['CANDOR_OUTBOX_LEASE_MS', 'NaN'],
  ['PORT', '99999'],
])('%s=%s is refused at start, naming the variable', (name, value) => {
  expect(() => readConfig({ [name]: value })).toThrow(new RegExp(`^${name} must be`));
});

test.each([
  ['CANDOR_WEBHOOK_PAUSE_AFTER', '2.5', /^CANDOR_WEBHOOK_PAUSE_AFTER must be a positive whole number/],
  ['CANDOR_WEBHOOK_ALLOW_NETWORKS', '127.0.0.1', /^CANDOR_WEBHOOK_ALLOW_NETWORKS: "127.0.0.1" is not a network in CIDR notation/],
])('%s=%s is refused at start, naming the variable', (name, value, message) => {
  expect(() => readConfig({ [name]: value })).toThrow(message);
});

test('webhooks: no private network allowed and a pause after 10 failures by default; networks from a CIDR list', () => {
  const config = readConfig({});
  expect(config.webhookPauseAfter).toBe(10);
  expect(config.webhookAllowNetworks.check('127.0.0.1')).toBe(false);
  const allowed = readConfig({ CANDOR_WEBHOOK_ALLOW_NETWORKS: '127.0.0.0/8, 10.0.0.0/8' }).webhookAllowNetworks;
  expect([allowed.check('127.0.0.1'), allowed.check('10.9.9.9'), allowed.check('192.168.0.1')]).toEqual([true, true, false]);
});

test('emails and webhooks are retried for 24 hours by default; CANDOR_OUTBOX_RETRY_HOURS changes it, and nonsense is refused', () => {
  expect(readConfig({}).outboxRetryMs).toBe(24 * 3_600_000);
  expect(readConfig({ CANDOR_OUTBOX_RETRY_HOURS: '0.5' }).outboxRetryMs).toBe(1_800_000);
  expect(() => readConfig({ CANDOR_OUTBOX_RETRY_HOURS: 'a day' })).toThrow(/^CANDOR_OUTBOX_RETRY_HOURS must be a positive number of hours/);
});
