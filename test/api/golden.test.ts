import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { STATUSPAGE_ENDPOINTS } from '../../api/public/statuspage.ts';
import { feedRoutes } from '../../api/public/feeds.ts';
import { seedDemo } from '../../api/services/demo/seed.ts';
import { customerEmail } from '../../api/services/customers/emails.ts';
import { previewStatement } from '../../api/services/customers/statements.ts';
import { loadStatusPage } from '../../api/services/public/status-page.ts';
import { publicHistory } from '../../api/services/public/history.ts';
import type { ServiceContext } from '../../api/services/context.ts';
import { createTestDb } from '../helpers/db.ts';

// What the public and customers see of the demo page, at a fixed time: the Statuspage JSON,
// the feeds, the page's data, the history and customer emails. A refactor must leave it
// byte-identical; a deliberate change regenerates it with UPDATE_GOLDEN=1 and shows in review.

const FIXTURE = new URL('../fixtures/golden/demo.json', import.meta.url);
const PAGE = { name: 'Demo', url: 'https://status.example.com' };
const SITE = { pageName: PAGE.name, publicUrl: PAGE.url };

let db: Awaited<ReturnType<typeof createTestDb>>;
beforeEach(async () => {
  db = await createTestDb();
});
afterEach(() => db.cleanup());

test('the demo page’s public JSON, feeds, page data, history and customer emails are unchanged', async () => {
  const ctx: ServiceContext = { database: db.database, now: () => new Date('2026-11-26T06:00:00Z') };
  await seedDemo(ctx);
  const out: Record<string, unknown> = {};
  for (const [path, build] of Object.entries(STATUSPAGE_ENDPOINTS)) out[path] = await build(ctx, PAGE);
  for (const route of feedRoutes(ctx, PAGE)) {
    for (const path of ['/history.atom', '/history.rss']) {
      const key = route.key(path, '');
      if (key) out[path] = String((await route.render(key)).body);
    }
  }
  out.page = await loadStatusPage(ctx);
  out.history = await publicHistory(ctx, 1);
  const customers = await db.database.db.all<{ id: string; name: string }>(sql`SELECT id, name FROM customers ORDER BY name`);
  const [resolved] = await db.database.db.all<{ id: string }>(sql`SELECT id FROM incidents WHERE status = 'resolved'`);
  for (const c of customers) {
    out[`resolution email to ${c.name}`] = await customerEmail(ctx, { customerId: c.id, incidentId: resolved!.id, kind: 'resolution' }, SITE);
    out[`statement to ${c.name}`] = await previewStatement(ctx, c.id, undefined, SITE);
  }
  const actual = await withStableIds(JSON.stringify(out, null, 1));
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(FIXTURE)) writeFileSync(FIXTURE, actual);
  expect(actual).toBe(readFileSync(FIXTURE, 'utf8'));
});

/** Every generated id, replaced by a name in order of first appearance, so two seedings compare equal. */
async function withStableIds(text: string): Promise<string> {
  const tables = ['component_groups', 'components', 'incidents', 'incident_updates', 'maintenances', 'maintenance_updates', 'sla_plans', 'customers'];
  const ids = new Set<string>();
  for (const table of tables) for (const r of await db.database.db.all<{ id: string }>(sql.raw(`SELECT id FROM ${table}`))) ids.add(r.id);
  const names = new Map<string, string>();
  return text.replace(/[a-z0-9]{12}/g, (m) => {
    if (!ids.has(m)) return m;
    if (!names.has(m)) names.set(m, `id${String(names.size + 1).padStart(3, '0')}`.padEnd(12, '_'));
    return names.get(m)!;
  });
}
