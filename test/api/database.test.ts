import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { createDb } from '../../db/client.ts';
import { SYSTEM_ACTOR } from '../../api/services/context.ts';
import { createComponent } from '../../api/services/components/create.ts';
import { listComponents } from '../../api/services/components/list.ts';
import { declareIncident } from '../../api/services/incidents/declare.ts';

test(':memory: databases work, including concurrent writes and reads', async () => {
  const database = await createDb(':memory:');
  await database.migrate();
  const ctx = { database, now: () => new Date() };
  const created = await Promise.all(Array.from({ length: 10 }, (_, i) => createComponent(ctx, SYSTEM_ACTOR, { name: `c${i}` })));
  const [list] = await Promise.all([
    listComponents(ctx),
    declareIncident(ctx, SYSTEM_ACTOR, { title: 't', severity: 'SEV-2', body: 'b', components: [{ id: created[0]!.id, status: 'major_outage' }] }),
  ]);
  expect(list).toHaveLength(10);
  expect((await listComponents(ctx)).find((c) => c.id === created[0]!.id)?.status).toBe('major_outage');
  database.close();
});

test('a file database is created with its folder, in WAL mode, and every commit moves the change counter', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'candor-db-'));
  try {
    const database = await createDb(`file:${join(dir, 'nested', 'candor.db')}`);
    await database.migrate();
    const mode = await database.client.execute('PRAGMA journal_mode');
    expect(mode.rows[0]?.journal_mode).toBe('wal');
    const before = await database.changeCount();
    await createComponent({ database, now: () => new Date() }, SYSTEM_ACTOR, { name: 'x' });
    expect(await database.changeCount()).toBe(before + 1);
    database.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
