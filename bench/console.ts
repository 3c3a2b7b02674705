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
import { DEMO_PLANS } from '../api/domain/availability/sla.ts';
import { saveCustomer } from '../api/services/customers/customers.ts';
import { savePlan } from '../api/services/customers/plans.ts';

const INCIDENTS = 10_000;
const SUBSCRIBERS = 100_000;
const CUSTOMERS = 500;
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
  // 100 000 subscribers (a tenth of them for two components), written in one statement each.
  const now = Date.now();
  await database.client.execute(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${SUBSCRIBERS})
    INSERT INTO subscribers (id, email, confirmed_at, all_components, token_version, source, created_at)
    SELECT printf('s%011d', i), printf('reader%06d@example.com', i), ${now}, i % 10 != 0, 1, 'import', ${now} FROM n`);
  await database.client.execute(`INSERT INTO subscriber_components (subscriber_id, component_id)
    SELECT s.id, c.id FROM subscribers s JOIN (SELECT id FROM components ORDER BY position, id LIMIT 2) c WHERE s.all_components = 0`);
  const plans = [];
  for (const plan of DEMO_PLANS) plans.push(await savePlan(ctx, SYSTEM_ACTOR, plan));
  const componentIds = (await database.db.all<{ id: string }>(sql`SELECT id FROM components`)).map((c) => c.id);
  for (let i = 0; i < CUSTOMERS; i++) {
    await saveCustomer(ctx, SYSTEM_ACTOR, {
      name: `Customer ${i + 1}`,
      contacts: [`ops${i + 1}@customer.example`],
      planId: plans[i % plans.length]!.id,
      componentIds: i % 3 === 0 ? [] : componentIds.slice(i % 20, (i % 20) + 4),
      billingAnchorDay: i % 4 === 0 ? 15 : null,
    });
  }
  const { link } = await createUser(ctx, SYSTEM_ACTOR, { email: 'bench@example.com', role: 'owner' }, { publicUrl: '', email: false });
  const { token } = await signInWithLink(ctx, new URL(link, 'http://x').searchParams.get('token')!);
  const open = await database.db.get<{ id: string }>(sql`SELECT id FROM incidents WHERE status != 'resolved' LIMIT 1`);

  const customer = await database.db.get<{ id: string }>(sql`SELECT id FROM customers LIMIT 1`);
  const plan = await database.db.get<{ id: string }>(sql`SELECT id FROM sla_plans LIMIT 1`);
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
      '/admin/maintenances',
      '/admin/subscribers',
      '/admin/subscribers?cursor=cmVhZGVyMDUwMDAwQGV4YW1wbGUuY29t',
      '/admin/subscribers?email=reader0999',
      '/admin/subscribers/counts',
      '/admin/outbox',
      '/admin/customers',
      `/admin/customers/${customer!.id}`,
      `/admin/sla-plans/${plan!.id}`,
      '/admin/reports',
      '/admin/policy',
      '/admin/settings',
      '/admin/audit',
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
    console.log(
      JSON.stringify({
        incidents: total,
        subscribers: SUBSCRIBERS,
        customers: CUSTOMERS,
        pages,
        declare: { p50: round(percentile(declare, 50)), p95: round(percentile(declare, 95)) },
      }),
    );
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
