// The console under a long history: 10 000 incidents, each console page requested one at a time
// (what a responder waits for), and declaring through the console form to its redirect.
// Prints one JSON line; `npm run bench` runs it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { createDb, type Database } from '../db/client.ts';
import { SYSTEM_ACTOR } from '../api/services/context.ts';
import { signInWithLink } from '../api/services/users/sessions.ts';
import { createUser } from '../api/services/users/users.ts';
import { startInstance } from '../scripts/cluster.ts';
import { exitOf } from '../scripts/processes.ts';
import { seedLargePage } from './seed.ts';

const INCIDENTS = 10_000;
const SEEDED = 500;
const SAMPLES = 60;
const DAY = 86_400_000;

/**
 * Copies every resolved incident (with its updates and their component changes) `copies` times
 * further into the past: a long history with the shape the services wrote, in seconds.
 */
async function deepenHistory(database: Database, copies: number): Promise<void> {
  const columns = async (table: string) => (await database.db.all<{ name: string }>(sql.raw(`PRAGMA table_info(${table})`))).map((c) => c.name);
  const copy = async (table: string, where: string, k: number) => {
    const cols = await columns(table);
    const shift = (c: string) =>
      c === 'id' || c === 'incident_id' || c === 'update_id' ? `${c} || '_${k}'` : c.endsWith('_at') ? `${c} - ${k * 400 * DAY}` : c;
    await database.client.execute(`INSERT INTO ${table} (${cols.join(', ')}) SELECT ${cols.map(shift).join(', ')} FROM ${table} WHERE ${where}`);
  };
  for (let k = 1; k <= copies; k++) {
    await copy('incidents', `status = 'resolved' AND id NOT LIKE '%\\_%' ESCAPE '\\'`, k);
    await copy('incident_updates', `incident_id IN (SELECT id FROM incidents WHERE status = 'resolved' AND id NOT LIKE '%\\_%' ESCAPE '\\')`, k);
  }
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
const round = (ms: number) => Math.round(ms * 10) / 10;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'candor-bench-console-'));
  const databaseUrl = `file:${join(dir, 'candor.db')}`;
  const database = await createDb(databaseUrl);
  await database.migrate();
  const ctx = { database, now: () => new Date() };
  await seedLargePage(ctx, { groups: 6, perGroup: 5, incidents: SEEDED, days: 365, open: 3 });
  await deepenHistory(database, Math.ceil(INCIDENTS / SEEDED) - 1);
  const total = (await database.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM incidents`))!.n;
  const { link } = await createUser(ctx, SYSTEM_ACTOR, { email: 'bench@example.com', role: 'owner' }, { publicUrl: '', email: false });
  const { token } = await signInWithLink(ctx, new URL(link, 'http://x').searchParams.get('token')!);
  const open = await database.db.get<{ id: string }>(sql`SELECT id FROM incidents WHERE status != 'resolved' LIMIT 1`);
  database.close();

  const instance = await startInstance(0, { DATABASE_URL: databaseUrl, CANDOR_DEMO: '0' });
  const cookie = `candor_session=${token}`;
  try {
    const get = async (path: string) => {
      const started = performance.now();
      const res = await fetch(`${instance.url}${path}`, { headers: { cookie } });
      const html = await res.text();
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
      return { ms: performance.now() - started, html };
    };
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await get('/admin')).html)![1]!;
    const pages: Record<string, { p50: number; p95: number }> = {};
    for (const path of [
      '/admin',
      '/admin/incidents',
      `/admin/incidents/${open!.id}`,
      '/admin/incidents/new',
      '/admin/templates',
      '/admin/components',
      '/admin/users',
    ]) {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) await get(path); // warm
      for (let i = 0; i < SAMPLES; i++) times.push((await get(path)).ms);
      pages[path] = { p50: round(percentile(times, 50)), p95: round(percentile(times, 95)) };
    }
    const declare: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const started = performance.now();
      const res = await fetch(`${instance.url}/admin/incidents/new`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, origin: instance.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, title: `Bench ${i}`, severity: 'SEV-3', status: 'investigating', body: 'Declared from the console form.' }),
      });
      await res.arrayBuffer();
      if (res.status !== 303) throw new Error(`declaring answered ${res.status}`);
      declare.push(performance.now() - started);
    }
    console.log(JSON.stringify({ incidents: total, pages, declare: { p50: round(percentile(declare, 50)), p95: round(percentile(declare, 95)) } }));
  } finally {
    instance.child.kill('SIGTERM');
    await exitOf(instance.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
