import { and, eq, sql } from 'drizzle-orm';
import type { Database, WriteStatement } from '../../../db/client.ts';
import { incidents, writeGuard } from '../../../db/schema/index.ts';

/**
 * Writes an incident's row on condition that nobody changed it since this use case read it
 * (`read.version`): the guard after it aborts the whole commit otherwise, and the use case runs
 * again on what is there now — so two instances resolving one incident at once record one
 * resolution, and the other is told it is already resolved.
 */
export function writeIncident(database: Database, read: { id: string; version: number }, set: Partial<typeof incidents.$inferInsert>): WriteStatement[] {
  return [
    database.db
      .update(incidents)
      .set({ ...set, version: read.version + 1 })
      .where(and(eq(incidents.id, read.id), eq(incidents.version, read.version))),
    database.db
      .insert(writeGuard)
      .values({ id: 1, changed: sql`changes()` })
      .onConflictDoUpdate({ target: writeGuard.id, set: { changed: sql`excluded.changed` } }),
  ];
}
