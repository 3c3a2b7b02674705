import { afterEach, beforeEach, expect, test } from 'vitest';
import { agreeOnSettings, setSharedSetting, type StartSettings } from '../../api/services/shared-settings.ts';
import { createTestDb } from '../helpers/db.ts';

let t: Awaited<ReturnType<typeof createTestDb>>;
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(() => t.cleanup());

const ctx = () => ({ database: t.database, now: () => new Date() });
const start = (over: { url?: string; name?: string; secret?: string } = {}): StartSettings => ({
  publicUrl: { value: over.url ?? 'http://127.0.0.1:4321', set: over.url !== undefined },
  pageName: { value: over.name ?? 'Status', set: over.name !== undefined },
  secret: over.secret,
});

test('the first instance records its settings; one not given them adopts them; one given others refuses, naming the setting', async () => {
  const first = await agreeOnSettings(ctx(), start({ url: 'https://status.acme.example', name: 'Acme' }));
  expect(first).toMatchObject({ publicUrl: 'https://status.acme.example', pageName: 'Acme' });
  // Unset here: the recorded values, and the same generated signing secret.
  expect(await agreeOnSettings(ctx(), start())).toEqual(first);
  await expect(agreeOnSettings(ctx(), start({ url: 'http://127.0.0.1:4322' }))).rejects.toThrow(
    /CANDOR_PUBLIC_URL is "http:\/\/127.0.0.1:4322" here, but the other instances of this database use "https:\/\/status.acme.example"/,
  );
  await expect(agreeOnSettings(ctx(), start({ name: 'Acme Inc' }))).rejects.toThrow(/CANDOR_PAGE_NAME .*settings set CANDOR_PAGE_NAME VALUE/);
});

test('a signing secret set on some instances and not others, or set to two values, refuses; its value is never recorded', async () => {
  const first = await agreeOnSettings(ctx(), start({ secret: 'one-long-secret' }));
  expect(first.secret).toBe('one-long-secret');
  await expect(agreeOnSettings(ctx(), start())).rejects.toThrow(/CANDOR_SECRET is set on the other instances but not here/);
  await expect(agreeOnSettings(ctx(), start({ secret: 'another-secret' }))).rejects.toThrow(/CANDOR_SECRET is set to another value here/);
  const rows = await t.database.client.execute('SELECT value FROM settings');
  expect(JSON.stringify(rows.rows)).not.toContain('one-long-secret');
});

test('settings set changes a recorded value, after which instances given the new one start', async () => {
  await agreeOnSettings(ctx(), start({ url: 'https://old.example' }));
  await setSharedSetting(ctx(), 'CANDOR_PUBLIC_URL', 'https://new.example/');
  expect((await agreeOnSettings(ctx(), start({ url: 'https://new.example' }))).publicUrl).toBe('https://new.example');
  await expect(agreeOnSettings(ctx(), start({ url: 'https://old.example' }))).rejects.toThrow(/CANDOR_PUBLIC_URL/);
  await setSharedSetting(ctx(), 'CANDOR_SECRET', 'rotated-secret');
  expect((await agreeOnSettings(ctx(), start({ secret: 'rotated-secret' }))).secret).toBe('rotated-secret');
  await expect(setSharedSetting(ctx(), 'CANDOR_PUBLIC_URL', 'not a url')).rejects.toThrow(/absolute URL/);
  await expect(setSharedSetting(ctx(), 'PORT', '1')).rejects.toThrow(/settings set takes one of/);
});
