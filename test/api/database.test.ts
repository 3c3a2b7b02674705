import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createDb, INTERNAL, type Database } from '../../db/client.ts';
import { SYSTEM_ACTOR } from '../../api/services/context.ts';
import { createComponent } from '../../api/services/components/create.ts';
import { listComponents } from '../../api/services/components/list.ts';
import { declareIncident } from '../../api/services/incidents/declare.ts';
import { claimDemoSeed } from '../../api/services/demo/seed.ts';
import { planSubscription } from '../../api/services/subscribers/save.ts';
import { postIncidentUpdate } from '../../api/services/incidents/post-update.ts';
import { sql, type SQL } from 'drizzle-orm';
import { outbox, settings } from '../../db/schema/index.ts';
import { createTestDb } from '../helpers/db.ts';
import { turnsDuring } from '../helpers/loop.ts';
import { giveWay } from '../../api/services/turns.ts';

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
    expect((await database.client.execute('PRAGMA synchronous')).rows[0]?.synchronous).toBe(1); // NORMAL
    const before = await database.changeCount();
    await createComponent({ database, now: () => new Date() }, SYSTEM_ACTOR, { name: 'x' });
    const after = await database.changeCount();
    expect(after).toBeGreaterThan(before);
    // Two commits in the same millisecond still move it.
    await Promise.all([database.commit([]), database.commit([])]);
    expect(await database.changeCount()).toBeGreaterThanOrEqual(after + 2);
    // A database restored from an older copy, written again, never shows a value seen before:
    // the counter follows the database's clock.
    await database.client.execute('UPDATE change_counter SET value = 5 WHERE id = 1');
    await database.commit([]);
    expect(await database.changeCount()).toBeGreaterThan(after);
    database.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a commit tells its listeners whether it queued emails or webhooks (what wakes the delivery process)', async () => {
  const { database, cleanup } = await createTestDb();
  const { db } = database;
  const seen: boolean[] = [];
  database.afterCommit((commit) => seen.push(commit.outbox));
  const queue = (where: SQL) =>
    db.run(sql`INSERT INTO outbox (recipient, event_key, template, payload, status, attempts, next_attempt_at, created_at)
      SELECT 'a@example.com', 'k-' || random(), 'incident-update', '{}', 'queued', 0, 0, 0 WHERE ${where}`);
  await database.commit([db.insert(settings).values({ key: 'k', value: 'v' })]);
  await database.commit([queue(sql`0`)]); // an insert that selected nobody
  await database.commit([db.update(outbox).set({ status: 'sent' }).where(sql`0`)]);
  await database.commit([queue(sql`1`)]);
  await database.commit([db.update(outbox).set({ attempts: 1 })]);
  await database.commit([
    db
      .insert(outbox)
      .values({ recipient: 'b@example.com', eventKey: 'k2', template: 'incident-update', payload: {}, nextAttemptAt: new Date(), createdAt: new Date() }),
  ]);
  expect(seen).toEqual([false, false, false, true, true, true]);
  cleanup();
});

describe('a commit in steps (an import)', () => {
  /** `n` statements of 3 000 generated rows each into `settings`: SQLite's work for each is a few milliseconds. */
  const inserts = (db: Database['db'], n: number, tag: string) =>
    Array.from({ length: n }, (_, i) =>
      db.run(
        sql`WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r WHERE x < 3000) INSERT INTO settings (key, value) SELECT ${`${tag}-${i}-`} || x, 'v' FROM r`,
      ),
    );
  const count = async (database: Database) => Number((await database.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM settings`))?.n);
  test('on an embedded file the loop turns between its statements, and readers see nothing until it commits', async () => {
    const { database, url, cleanup } = await createTestDb();
    const reader = await createDb(url);
    try {
      const before = await count(database);
      const told: { outbox: boolean; counters: { id: number; value: number }[] }[] = [];
      database.afterCommit((c) => told.push(c));
      let seenMidway: number | undefined;
      const { turns } = await turnsDuring(async () => {
        const committing = database.commitInSteps(inserts(database.db, 20, 'a'), giveWay, INTERNAL);
        // Pages keep reading meanwhile, on the usual connection and from another handle: the old state.
        await new Promise((resolve) => setTimeout(resolve, 5));
        seenMidway = await count(reader);
        await committing;
      });
      expect(turns).toBeGreaterThan(3); // one batch of the same statements lets the loop turn once at most
      expect(seenMidway).toBe(before);
      expect(await count(reader)).toBe(before + 60_000);
      expect(told).toHaveLength(1);
      expect(told[0]!.counters.find((c) => c.id === 1)?.value).toBe(await database.changeCount());
      const one = await turnsDuring(() => database.commit(inserts(database.db, 20, 'b'), INTERNAL));
      expect(one.turns).toBeLessThanOrEqual(1);
    } finally {
      reader.close();
      cleanup();
    }
  });

  test('all or nothing: a statement that fails rolls back those before it, and the file takes other writes after', async () => {
    const { database, cleanup } = await createTestDb();
    try {
      const before = await count(database);
      const failing = [...inserts(database.db, 5, 'c'), database.db.insert(settings).values({ key: 'c-0-1', value: 'again' })];
      await expect(database.commitInSteps(failing, giveWay, INTERNAL)).rejects.toThrow(/UNIQUE/);
      expect(await count(database)).toBe(before);
      // A write of this process meanwhile waits for the steps' lock, then lands.
      const stepped = database.commitInSteps(inserts(database.db, 10, 'd'), giveWay, INTERNAL);
      const other = database.commit([database.db.insert(settings).values({ key: 'other', value: 'v' })], INTERNAL);
      await Promise.all([stepped, other]);
      expect(await count(database)).toBe(before + 30_001);
    } finally {
      cleanup();
    }
  });
});

test('the demo page is claimed once, whichever of several instances asks first', async () => {
  const first = await createTestDb();
  const others = await Promise.all([createDb(first.url), createDb(first.url)]);
  try {
    const now = () => new Date('2026-11-26T06:00:00Z');
    const claims = await Promise.all([first.database, ...others].map((database) => claimDemoSeed({ database, now })));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await claimDemoSeed({ database: first.database, now })).toBe(false);
  } finally {
    for (const o of others) o.close();
    first.cleanup();
  }
});

test('two processes that both read "no subscriber yet" and insert: the loser re-reads and decides anew', async () => {
  const first = await createTestDb();
  const other = await createDb(first.url);
  try {
    const now = () => new Date('2026-11-26T06:00:00Z');
    // Both plan before either commits — the interleaving two processes can produce.
    let planned = 0;
    let bothPlanned!: () => void;
    const barrier = new Promise<void>((r) => (bothPlanned = r));
    const attempts: number[] = [];
    const race = (database: typeof other, who: number) =>
      database.exclusive(async () => {
        attempts.push(who);
        const plan = await planSubscription({ database, now }, { email: 'race@example.com', source: 'page' });
        if (++planned === 2) bothPlanned();
        await barrier;
        await database.commit(plan.statements);
      });
    await Promise.all([race(first.database, 1), race(other, 2)]);
    const rows = await first.database.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM subscribers WHERE email = 'race@example.com'`);
    expect(rows[0]!.n).toBe(1);
    expect(attempts).toHaveLength(3); // one of the two ran again
  } finally {
    other.close();
    first.cleanup();
  }
});

test('two processes resolving one incident at once: one resolution on the record, one Resolved email; the other is told it is already resolved', async () => {
  const first = await createTestDb();
  const other = await createDb(first.url);
  try {
    const now = () => new Date('2026-11-26T06:00:00Z');
    const a = { database: first.database, now };
    const b = { database: other, now };
    await first.database.db.run(
      sql`INSERT INTO subscribers (id, email, confirmed_at, all_components, token_version, source, created_at) VALUES ('sub000000001', 's@example.com', 1, 1, 1, 'admin', 1)`,
    );
    // No components: nothing but the incident's own version stands between the two writes.
    const incident = await declareIncident(a, SYSTEM_ACTOR, {
      title: 'Down',
      severity: 'SEV-1',
      body: 'b',
    });
    // Both start their first attempt together, before either commits: the interleaving two instances produce.
    startTogether([first.database, other]);
    const results = await Promise.allSettled([
      postIncidentUpdate(a, SYSTEM_ACTOR, incident.id, { status: 'resolved', body: 'Fixed (A)' }),
      postIncidentUpdate(b, SYSTEM_ACTOR, incident.id, { status: 'resolved', body: 'Fixed (B)' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'invalid_transition', message: 'The incident is already resolved' });
    const resolutions = await first.database.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM incident_updates WHERE status = 'resolved'`);
    expect(resolutions[0]!.n).toBe(1);
    const emails = await first.database.db.all<{ n: number }>(
      sql`SELECT count(*) AS n FROM outbox WHERE template = 'incident-update' AND recipient = 's@example.com'`,
    );
    expect(emails[0]!.n).toBe(2); // the declaration and one resolution
  } finally {
    other.close();
    first.cleanup();
  }
});

test('two processes moving one component for two incidents at once: one open interval, the worst status shown', async () => {
  const first = await createTestDb();
  const other = await createDb(first.url);
  try {
    const now = () => new Date('2026-11-26T06:00:00Z');
    const a = { database: first.database, now };
    const b = { database: other, now };
    const component = await createComponent(a, SYSTEM_ACTOR, { name: 'API' });
    // Both read the component's timeline before either commits.
    startTogether([first.database, other]);
    await Promise.all([
      declareIncident(a, SYSTEM_ACTOR, { title: 'Errors', severity: 'SEV-2', body: 'b', components: [{ id: component.id, status: 'partial_outage' }] }),
      declareIncident(b, SYSTEM_ACTOR, { title: 'Outage', severity: 'SEV-1', body: 'b', components: [{ id: component.id, status: 'major_outage' }] }),
    ]);
    const open = await first.database.db.all<{ status: string }>(
      sql`SELECT status FROM component_status_intervals WHERE component_id = ${component.id} AND ended_at IS NULL`,
    );
    expect(open).toEqual([{ status: 'major_outage' }]);
    expect((await listComponents(a)).find((c) => c.id === component.id)?.status).toBe('major_outage');
  } finally {
    other.close();
    first.cleanup();
  }
});

/**
 * Makes each database's next `exclusive` work wait until all of them have begun theirs, so
 * their reads all happen before any commit — the interleaving several instances can produce.
 * Later attempts (a re-run after a lost race) start at once.
 */
function startTogether(databases: Database[]) {
  let arrived = 0;
  let release!: () => void;
  const together = new Promise<void>((r) => (release = r));
  for (const database of databases) {
    const exclusive = database.exclusive;
    let first = true;
    database.exclusive = (work) =>
      exclusive(async () => {
        if (first) {
          first = false;
          if (++arrived === databases.length) release();
          await together;
        }
        return work();
      });
  }
}
