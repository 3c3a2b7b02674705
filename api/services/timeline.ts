import { and, eq, lt, or, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { runReads, type Drizzle, type Reads, type Statement } from '../../db/client.ts';
import { newId } from '../../db/ids.ts';
import { rowsInOneValue, type FlatSelect } from '../../db/one-value.ts';
import type { incidentUpdateComponents, maintenanceUpdateComponents } from '../../db/schema/index.ts';
import type { ComponentStatus } from '../domain/component/status.ts';
import { affectedComponentsQuery, byUpdate, type AffectedComponent } from './affected-components.ts';
import { decodeCursor, encodeCursor, type Page } from './paging.ts';
import type { ServiceContext } from './context.ts';
import { planComponentStatuses, type StatusChange, type StatusInputs } from './components/plan-statuses.ts';

// Incidents and maintenances are both events on the public timeline: a row, the components it
// names, and its updates (each with the components it changed). What differs is read by the
// queries each passes in; loading and paging are done once, here.

/** An event's component as its loader reads it. */
interface EventComponent {
  eventId: string;
  id: string;
  name: string;
  status: ComponentStatus;
}

export interface TimelineQueries<Row extends { id: string }, Update extends { id: string }> {
  rows(ids: string[]): Reading<Row[]>;
  components(ids: string[]): Reading<EventComponent[]>;
  /** Updates of these events, newest first. */
  updates(ids: string[]): FlatSelect<Update>;
  /** The id of the event an update belongs to. */
  eventOf(update: Update): string;
  /** A query selecting the ids of these events' updates. */
  updateIds(ids: string[]): SQLWrapper;
  updateComponents: typeof incidentUpdateComponents | typeof maintenanceUpdateComponents;
}

/** A read as a statement of its own (awaited alone, or sent with others in one batch). */
type Reading<T> = Statement & PromiseLike<T>;

export type Loaded<Row, Update> = Row & {
  components: { id: string; name: string; status: ComponentStatus }[];
  /** Newest first. */
  updates: (Update & { affectedComponents: AffectedComponent[] })[];
};

/**
 * The reads that load events `ids` with their components and updates, in the order of `ids`:
 * four statements that need no earlier answer (the affected components are found through the
 * updates' ids by query), so they travel together — alone (`loadEvents`) or after a commit's
 * writes, in its transaction (`Database.commitThenRead`).
 */
export function eventReads<Row extends { id: string }, Update extends { id: string }, T = Loaded<Row, Update>>(
  db: Drizzle,
  queries: TimelineQueries<Row, Update>,
  ids: string[],
  shape: (loaded: Loaded<Row, Update>) => T = (loaded) => loaded as T,
): Reads<T[]> {
  if (!ids.length) return { statements: [], answer: () => [] };
  // An event's updates, and the components each affected, are most of what is read: as one value each.
  const updateRows = rowsInOneValue(db, queries.updates(ids));
  const affectedRows = rowsInOneValue(db, affectedComponentsQuery(db, queries.updateComponents, queries.updateIds(ids)));
  return {
    statements: [queries.rows(ids), queries.components(ids), updateRows.statement, affectedRows.statement],
    answer(results) {
      const [rows, named] = results as [Row[], EventComponent[]];
      const updates = updateRows.rows(results[2]);
      const affected = affectedRows.rows(results[3]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const affectedBy = byUpdate(affected);
      return ids.flatMap((id) => {
        const row = byId.get(id);
        if (!row) return [];
        return [
          shape({
            ...row,
            components: named.filter((c) => c.eventId === id).map(({ eventId: _, ...c }) => c),
            updates: updates.filter((u) => queries.eventOf(u) === id).map((update) => ({ ...update, affectedComponents: affectedBy.get(update.id) ?? [] })),
          }),
        ];
      });
    },
  };
}

/** Loads events with their components and updates, in the order of `ids` (one request to a remote database). */
export async function loadEvents<Row extends { id: string }, Update extends { id: string }>(
  db: Drizzle,
  queries: TimelineQueries<Row, Update>,
  ids: string[],
): Promise<Loaded<Row, Update>[]> {
  return runReads(eventReads(db, queries, ids));
}

/** One page of events, newest first by `source.sort`, filtered by `conditions` and continued from `cursor`. */
export async function pageEvents<T>(
  source: { id: SQLiteColumn; sort: SQLiteColumn; select(where: SQL | undefined, limit: number): Promise<{ id: string; at: Date }[]> },
  conditions: (SQL | undefined)[],
  filter: { limit: number; cursor?: string },
  load: (ids: string[]) => Promise<T[]>,
): Promise<Page<T>> {
  const where = [...conditions];
  if (filter.cursor) {
    const c = decodeCursor(filter.cursor);
    where.push(or(lt(source.sort, c.at), and(eq(source.sort, c.at), lt(source.id, c.id))));
  }
  const rows = await source.select(and(...where), filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    data: await load(page.map((r) => r.id)),
    nextCursor: rows.length > filter.limit && last ? encodeCursor(last.at, last.id) : null,
  };
}

/**
 * Plans one entry on an event's timeline, in the event's own transaction: the displayed status
 * of `componentIds` and their status intervals as of `at`, the update row, the components it
 * affected, and what follows from it (`follow`: holdings, emails).
 */
export async function planEntry(
  ctx: ServiceContext,
  entry: {
    componentIds: string[];
    at: Date;
    pending: Parameters<typeof planComponentStatuses>[3];
    update: (updateId: string) => Statement;
    updateComponents: typeof incidentUpdateComponents | typeof maintenanceUpdateComponents;
    /** Which of the considered components the update names (default: every one considered). */
    affected?: (changes: StatusChange[]) => StatusChange[];
    follow: (updateId: string) => Promise<Statement[]>;
    /** The status reads for `componentIds`, if the use case started them early. */
    reads?: Promise<StatusInputs>;
  },
): Promise<Statement[]> {
  const plan = await planComponentStatuses(ctx.database, entry.componentIds, entry.at, entry.pending, entry.reads);
  const updateId = newId();
  const affected = entry.affected ? entry.affected(plan.changes) : plan.changes;
  return [
    entry.update(updateId),
    ...plan.statements,
    ...(affected.length ? [ctx.database.db.insert(entry.updateComponents).values(affected.map((c) => ({ updateId, ...c })))] : []),
    ...(await entry.follow(updateId)),
  ];
}
