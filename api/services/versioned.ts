import { and, eq, sql } from 'drizzle-orm';
import type { Database, Statement } from '../../db/client.ts';
import { type components, type incidents, type maintenances, writeGuard } from '../../db/schema/index.ts';

type Versioned = typeof incidents | typeof components | typeof maintenances;

/**
 * Writes a row on condition that nobody changed it since this use case read it (`read.version`):
 * the guard after it aborts the whole commit otherwise, and the use case runs again on what is
 * there now. So two instances resolving one incident record one resolution; two incidents
 * moving one component each decide on the other's holding; the maintenance clock and an
 * operator never both complete one maintenance. An empty `set` still claims the row: the
 * decision depended on it.
 */
export function writeVersioned<T extends Versioned>(
  database: Database,
  table: T,
  read: { id: string; version: number },
  set: Partial<T['$inferInsert']>,
): Statement[] {
  const { db } = database;
  return [
    db
      .update(table as typeof incidents)
      .set({ ...(set as Partial<typeof incidents.$inferInsert>), version: read.version + 1 })
      .where(and(eq(table.id, read.id), eq(table.version, read.version))),
    changedOne(database),
  ];
}

/** Aborts the commit unless the statement just before it changed exactly one row (see `write_guard`). */
export function changedOne(database: Database): Statement {
  return database.db
    .insert(writeGuard)
    .values({ id: 1, changed: sql`changes()` })
    .onConflictDoUpdate({ target: writeGuard.id, set: { changed: sql`excluded.changed` } });
}
