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
