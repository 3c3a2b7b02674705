import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq, sql } from 'drizzle-orm';
import { componentStatusIntervals } from '../../db/schema/index.ts';
import { createDb, type Database } from '../../db/client.ts';

/** A migrated libSQL database in a fresh temp file; `cleanup` closes and removes it. */
export async function createTestDb(): Promise<{ database: Database; dir: string; url: string; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'candor-test-'));
  const url = `file:${join(dir, 'candor.db')}`;
  const database = await createDb(url);
  await database.migrate();
  return {
    database,
    dir,
    url,
    cleanup() {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every row of every Candor table, to prove a refused request wrote nothing. */
export async function snapshot(database: Database): Promise<Record<string, unknown[]>> {
  const tables = await database.db.all<{ name: string }>(
    sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name`,
  );
  const out: Record<string, unknown[]> = {};
  for (const { name } of tables) {
    // last_used_at is bookkeeping a valid key touches on any request, refused or not.
    const rows = await database.db.all<Record<string, unknown>>(sql.raw(`SELECT * FROM "${name}" ORDER BY rowid`));
    out[name] = rows.map(({ last_used_at: _, ...r }) => r);
  }
  return out;
}

/** A component's status intervals, oldest first (insertion order within one instant). */
export function intervalsOf(database: Database, componentId: string) {
  return database.db
    .select({ status: componentStatusIntervals.status, startedAt: componentStatusIntervals.startedAt, endedAt: componentStatusIntervals.endedAt })
    .from(componentStatusIntervals)
    .where(eq(componentStatusIntervals.componentId, componentId))
    .orderBy(asc(componentStatusIntervals.startedAt), asc(sql`rowid`));
}

/**
 * `count` confirmed subscribers of every component, in one statement: `user000001@example.com`…,
 * or webhooks to `${webhook.base}/1`… signed with `webhook.secret`.
 */
export async function seedSubscribers(database: Database, count: number, webhook?: { base: string; secret: string }): Promise<void> {
  const now = Date.now();
  await database.client.execute(
    webhook
      ? {
          sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                INSERT INTO subscribers (id, type, email, endpoint, signing_secret, confirmed_at, all_components, token_version, source, created_at)
                SELECT printf('w%011d', i), 'webhook', 'ops@example.com', ? || '/' || i, ?, ?, 1, 1, 'import', ? FROM n`,
          args: [count, webhook.base, webhook.secret, now, now],
        }
      : {
          sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                INSERT INTO subscribers (id, email, confirmed_at, all_components, token_version, source, created_at)
                SELECT printf('s%011d', i), printf('user%06d@example.com', i), ?, 1, 1, 'import', ? FROM n`,
          args: [count, now, now],
        },
  );
}
