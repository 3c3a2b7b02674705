import { afterEach, beforeEach, expect, test } from 'vitest';
import type { InStatement } from '@libsql/client';
import { createDb } from '../../db/client.ts';
import { GiveWay } from '../../db/give-way.ts';
import { settings } from '../../db/schema/index.ts';
import { fencedOut, Lease, LeadingWorker } from '../../api/workers/leading-worker.ts';
import { OUTBOX_DUE, Pulse } from '../../api/workers/pulse.ts';
import { silentLogger } from '../../api/log.ts';
import type { ServiceContext } from '../../api/services/context.ts';
import { createTestDb } from '../helpers/db.ts';
import { spawn } from 'node:child_process';
import { holdWriteLock, ROOT, waitForLine } from '../../scripts/processes.ts';
import { SYSTEM_ACTOR } from '../../api/services/context.ts';
import { declareIncident } from '../../api/services/incidents/declare.ts';
import { addNote } from '../../api/services/incidents/add-note.ts';
import { postIncidentUpdate } from '../../api/services/incidents/post-update.ts';
import { within } from '../helpers/server.ts';

let t: Awaited<ReturnType<typeof createTestDb>>;
let clock = 0;
beforeEach(async () => {
  t = await createTestDb();
  clock = Date.parse('2026-06-01T10:00:00Z');
});
afterEach(() => t.cleanup());

const ctx = (): ServiceContext => ({ database: t.database, now: () => new Date(clock) });
const write = (lease: Lease, key: string) =>
  lease
    .fenced(ctx())
    .database.commit([t.database.db.insert(settings).values({ key, value: 'x' })])
    .then(
      () => 'written',
      (err) => (fencedOut(err) ? 'fenced out' : Promise.reject(err)),
    );
const keys = async () => (await t.database.db.select({ key: settings.key }).from(settings)).map((r) => r.key).sort();

test("the pulse's outbox question reads indexes, never the whole outbox (kept sent rows included)", async () => {
  // Asked every pulse by every instance: a scan grows with the outbox and held the server's loop
  // for a tenth of a second or more during a large fan-out.
  const sql = typeof OUTBOX_DUE === 'string' ? OUTBOX_DUE : OUTBOX_DUE.sql;
  const plan = (await t.database.client.execute(`EXPLAIN QUERY PLAN ${sql}`)).rows.map((r) => String(r.detail));
  expect(plan).toContain('SEARCH outbox USING COVERING INDEX outbox_queued_due_idx');
  expect(plan).toContain('SEARCH outbox USING COVERING INDEX outbox_sending_lease_idx');
  expect(plan.filter((step) => step.startsWith('SCAN outbox'))).toEqual([]);
});

test('a leader that lost its lease cannot write, even when it comes back; the epoch grows with each change of hands', async () => {
  const a = new Lease(ctx(), 'leader', 5000);
  const b = new Lease(ctx(), 'leader', 5000);
  expect(await a.hold()).toBe(true);
  expect(await b.hold()).toBe(false);
  expect(a.epoch).toBe(1);
  expect(await write(a, 'a1')).toBe('written');
  expect(await write(b, 'b-not-leading')).toBe('fenced out');

  // A pauses past its lease (a GC pause, a partition, a slow commit); B takes over.
  clock += 6000;
  expect(await b.hold()).toBe(true);
  expect(b.epoch).toBe(2);
  // A still believes it leads at epoch 1: its write is refused whole.
  expect(a.epoch).toBe(1);
  expect(await write(a, 'a-stale')).toBe('fenced out');
  expect(await write(b, 'b1')).toBe('written');

  // B's lease runs out; A takes it back at a new epoch: B's old epoch is refused.
  clock += 6000;
  expect(await a.hold()).toBe(true);
  expect(a.epoch).toBe(3);
  expect(await write(b, 'b-stale')).toBe('fenced out');
  expect(await keys()).toEqual(['a1', 'b1']);
});

test('renewing keeps the epoch; releasing hands over at once, and the successor gets a new epoch', async () => {
  const a = new Lease(ctx(), 'leader', 5000);
  const b = new Lease(ctx(), 'leader', 5000);
  await a.hold();
  clock += 3000;
  await a.hold();
  expect(a.epoch).toBe(1);
  await a.release();
  expect(a.epoch).toBe(null);
  expect(await b.hold()).toBe(true);
  expect(b.epoch).toBe(2);
  expect(await write(a, 'a-after-release')).toBe('fenced out');
});

test("a follower's pulse only reads; it takes the lease once it has run out, within the lease's time plus one pulse", async () => {
  const leaderLease = new Lease(ctx(), 'leader', 5000);
  await leaderLease.hold();
  const follower = new Lease(ctx(), 'leader', 5000);
  const led: number[] = [];
  const pulse = new Pulse({ database: t.database, lease: follower, logger: silentLogger, now: () => new Date(clock), intervalMs: 60_000 });
  pulse.onLead(() => led.push(clock));
  const beat = () => (pulse as unknown as { beat(): Promise<void> }).beat();
  // While the leader's lease holds, each beat is a read (a write batch only when renewal is due).
  for (let s = 0; s <= 5; s++) {
    await beat();
    expect(follower.renewalDue()).toBe(false);
    clock += 1000;
  }
  expect(led).toEqual([]); // 6 s after the leader's last renewal: its lease ran out at 5 s
  await beat(); // sees it ran out
  await beat(); // takes it
  expect(led).toHaveLength(1);
  expect(follower.epoch).toBe(2);
});

test("while its pages are read, an instance sees another's change within a quarter second, with one read of the counters however many ask", async () => {
  const other = await createDb(t.url);
  // The counters' reads this instance makes, seen on the way to the database.
  const reads: string[] = [];
  const client = new Proxy(t.database.client, {
    get(target, prop) {
      if (prop !== 'execute') return Reflect.get(target, prop, target);
      return (statement: InStatement) => {
        reads.push(typeof statement === 'string' ? statement : statement.sql);
        return target.execute(statement);
      };
    },
  });
  const lease = new Lease(ctx(), 'leader', 5000);
  const pulse = new Pulse({ database: { ...t.database, client }, lease, logger: silentLogger, now: () => new Date(clock), intervalMs: 60_000 });
  await (pulse as unknown as { beat(): Promise<void> }).beat();
  const before = pulse.publicVersion;
  // Nobody reading pages: nothing is asked of the database between beats.
  await other.commit([other.db.insert(settings).values({ key: 'elsewhere', value: '1' })]);
  await new Promise((r) => setTimeout(r, 400));
  expect(reads).toEqual([]);
  expect(pulse.publicVersion).toBe(before);
  // Visitors asking at once: one read, and the change is seen.
  const started = performance.now();
  const versions = Array.from({ length: 50 }, () => pulse.watchedVersion());
  expect(versions.every((v) => v === before)).toBe(true); // served from what is known meanwhile
  await within(1000, async () => pulse.publicVersion !== before);
  expect(performance.now() - started).toBeLessThan(250);
  expect(reads.filter((sql) => sql.includes('change_counter'))).toHaveLength(1);
  // Asked again at once: the counters are fresh, nothing more is read.
  pulse.watchedVersion();
  expect(reads).toHaveLength(1);
  other.close();
});

test('another process holding the write lock does not block this one: reads go on, a write waits on timers and lands after', async () => {
  // A second process takes the write lock and holds it for 1.5 s.
  await holdWriteLock(t.url, 'held', 1500);
  const other = await createDb(t.url, { timeoutMs: 5000 });
  // The event loop keeps turning while the write waits: count timer ticks meanwhile.
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  const started = performance.now();
  const read = await other.db.select().from(settings);
  expect(read.map((r) => r.key)).not.toContain('held');
  await other.commit([other.db.insert(settings).values({ key: 'mine', value: '1' })]);
  const waited = performance.now() - started;
  clearInterval(ticker);
  expect(waited).toBeGreaterThan(1000); // it did wait for the lock…
  expect(ticks).toBeGreaterThan(waited / 10 / 3); // …without blocking the event loop
  expect((await other.db.select().from(settings)).map((r) => r.key).sort()).toEqual(expect.arrayContaining(['held', 'mine']));
  // The connection that found the lock taken was replaced: the new one has the file's settings too
  // (synchronous NORMAL in WAL: no fsync per commit).
  expect((await other.client.execute('PRAGMA synchronous')).rows[0]?.synchronous).toBe(1);
  other.close();
});

test('a process that writes back to back gives way when asked: a write waiting for the lock gets it (SQLite queues no writers)', async () => {
  // Another process writes without pause (as the delivery process does in a fan-out), and holds
  // its writes while told a write here waits.
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { createDb } = await import('./db/client.ts');
      const { GiveWay } = await import('./db/give-way.ts');
      const way = new GiveWay();
      let stop = false, holds = 0, writes = 0;
      process.on('message', (m) => { if (m === 'give-way') { holds++; way.hold(); } else if (m === 'go-ahead') way.release(); else stop = true; });
      const db = await createDb(${JSON.stringify(t.url)}, { giveWay: () => way.wait() });
      const slow = "INSERT INTO settings (key, value) SELECT 'busy', max(x) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 1000000) SELECT x FROM c) WHERE true ON CONFLICT (key) DO UPDATE SET value = excluded.value";
      await db.client.execute(slow);
      console.log('writing');
      while (!stop) { await db.client.execute(slow); writes++; await new Promise(setImmediate); }
      process.send({ holds, writes }, () => process.exit(0));`,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
  );
  const told = new Promise<{ holds: number; writes: number }>((resolve, reject) => {
    child.once('message', resolve as never);
    child.once('exit', (code) => reject(new Error(`the writing process exited (${code})`)));
  });
  let counts: { holds: number; writes: number };
  try {
    await waitForLine(child, /writing/);
    const here = await createDb(t.url, { timeoutMs: 3000 });
    here.onLockWait((waiting) => child.send(waiting ? 'give-way' : 'go-ahead'));
    try {
      // Each write of its takes ≈ 0.1 s and leaves the lock free for microseconds: polling alone, a
      // write here fails as busy after its 3 s (as this test does without the hold).
      for (let i = 0; i < 5; i++) await here.commit([here.db.insert(settings).values({ key: `mine${i}`, value: '1' })]);
      expect((await keys()).filter((k) => k.startsWith('mine'))).toHaveLength(5);
    } finally {
      here.close();
    }
    child.send('stop');
    counts = await told;
  } finally {
    child.kill();
  }
  const { holds, writes } = counts;
  expect(writes).toBeGreaterThan(0); // it did write meanwhile…
  expect(holds).toBeGreaterThan(0); // …and gave way when asked
});

test('a write that finds the lock held past its time limit fails as busy, and the handle works again after', async () => {
  const holder = await createDb(t.url);
  const tx = await holder.client.transaction('write');
  await tx.execute("INSERT INTO settings (key, value) VALUES ('held', '1')");
  const other = await createDb(t.url, { timeoutMs: 300 });
  const err = await other.commit([other.db.insert(settings).values({ key: 'late', value: '1' })]).catch((e) => e);
  expect(String(err?.cause?.code ?? err?.code)).toMatch(/^SQLITE_BUSY/);
  await tx.commit();
  await other.commit([other.db.insert(settings).values({ key: 'after', value: '1' })]);
  expect(await keys()).toEqual(['after', 'held']);
  holder.close();
  other.close();
});

test('public pages are rebuilt only for changes they can show: a note moves the change counter, not the public one', async () => {
  const other = await createDb(t.url);
  const pulses = [t.database, other].map(
    (database) =>
      new Pulse({
        database,
        lease: new Lease({ database, now: () => new Date(clock) }, 'leader', 5000),
        logger: silentLogger,
        now: () => new Date(clock),
        intervalMs: 60_000,
      }),
  );
  const seen = pulses.map((pulse) => {
    const counts = { all: 0, public: 0 };
    pulse.onChange(() => counts.all++);
    pulse.onPublicChange(() => counts.public++);
    return counts;
  });
  const beatOther = () => (pulses[1] as unknown as { beat(): Promise<void> }).beat();
  try {
    for (const p of pulses) await p.start();
    const [here, there] = seen as [(typeof seen)[0], (typeof seen)[0]];
    const start = { ...here };
    const incident = await declareIncident(ctx(), SYSTEM_ACTOR, { title: 'Checkout errors', severity: 'SEV-2', body: 'Investigating.' });
    await within(2000, async () => here.public === start.public + 1);
    expect(here.all).toBe(start.all + 1);

    await addNote(ctx(), SYSTEM_ACTOR, incident.id, { body: 'Looking at the load balancer.' });
    await within(2000, async () => here.all === start.all + 2);
    expect(here.public).toBe(start.public + 1);
    await beatOther(); // another instance sees both changes at its next beat: one public
    expect(there.public).toBe(2);
    expect(there.all).toBe(2);

    await addNote(ctx(), SYSTEM_ACTOR, incident.id, { body: 'Still looking.' });
    await beatOther();
    expect(there).toEqual({ all: 3, public: 2 });
    await postIncidentUpdate(ctx(), SYSTEM_ACTOR, incident.id, { status: 'identified', body: 'A bad deploy.' });
    await beatOther();
    expect(there).toEqual({ all: 4, public: 3 });
  } finally {
    for (const p of pulses) await p.stop();
    other.close();
  }
});

test('time spent giving way does not count against a write’s time limit: held past it, the write still waits for the lock and lands', async () => {
  const holder = await createDb(t.url);
  const tx = await holder.client.transaction('write');
  await tx.execute("INSERT INTO settings (key, value) VALUES ('held', '1')");
  const way = new GiveWay(10_000);
  way.hold();
  const polite = await createDb(t.url, { timeoutMs: 300, giveWay: () => way.wait() });
  const writing = polite.commit([polite.db.insert(settings).values({ key: 'polite', value: '1' })]);
  // Held for longer than its limit; then it finds the lock taken for a while more.
  await new Promise((resolve) => setTimeout(resolve, 400));
  way.release();
  await new Promise((resolve) => setTimeout(resolve, 100));
  await tx.commit();
  await writing; // with the hold counted in its limit it failed as busy at its first try
  expect(await keys()).toEqual(['held', 'polite']);
  holder.close();
  polite.close();
});

test('a hold lets writes go when released, or on its own once not renewed for its time', async () => {
  const way = new GiveWay(100);
  expect(way.wait()).toBeNull();
  way.hold();
  const held = way.wait();
  expect(held).toBeInstanceOf(Promise);
  way.hold(); // renewed: the same hold
  expect(way.wait()).toBe(held);
  way.release();
  await held;
  expect(way.wait()).toBeNull();
  way.hold();
  const started = performance.now();
  await way.wait(); // nobody releases it
  expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  expect(way.wait()).toBeNull();
});

test('changes one after another make one pass a second, not one per change: the last change still gets its pass', async () => {
  const lease = new Lease(ctx(), 'leader', 60_000);
  await lease.hold();
  const passes: number[] = [];
  const worker = new (class extends LeadingWorker {
    constructor() {
      super('counting', { ctx: ctx(), logger: silentLogger, lease });
    }
    protected async work() {
      passes.push(performance.now());
      return null;
    }
  })();
  worker.start(); // a first pass at once
  await within(1000, async () => passes.length === 1);
  // A write every 50 ms for 2.5 s (each pokes the worker, as the pulse does on a change).
  const started = performance.now();
  let lastPoke = 0;
  while (performance.now() - started < 2500) {
    worker.poke();
    lastPoke = performance.now();
    await new Promise((r) => setTimeout(r, 50));
  }
  await within(2000, async () => passes.at(-1)! > lastPoke);
  await worker.stop();
  const gaps = passes.slice(1).map((at, i) => at - passes[i]!);
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(990);
  expect(passes.length).toBeGreaterThanOrEqual(3);
  expect(passes.length).toBeLessThanOrEqual(5);
});
