import { sql } from 'drizzle-orm';
import { sqliteTable, text, integer, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { COMPONENT_STATUSES } from '../../api/domain/component/status.ts';
import { timestamps } from './columns.ts';

export const componentGroups = sqliteTable('component_groups', {
  id: text().primaryKey(),
  name: text().notNull(),
  description: text(),
  position: integer().notNull().default(0),
  ...timestamps,
});

export const components = sqliteTable(
  'components',
  {
    id: text().primaryKey(),
    name: text().notNull(),
    description: text(),
    groupId: text().references(() => componentGroups.id, { onDelete: 'set null' }),
    position: integer().notNull().default(0),
    showcase: integer({ mode: 'boolean' }).notNull().default(true),
    onlyShowIfDegraded: integer({ mode: 'boolean' }).notNull().default(false),
    /** What is displayed now: derived from open incidents, else `operatorStatus`. */
    status: text({ enum: COMPONENT_STATUSES }).notNull().default('operational'),
    /** What an operator set directly; shown when no open incident holds the component. */
    operatorStatus: text({ enum: COMPONENT_STATUSES }).notNull().default('operational'),
    /** Bumped by every write that decides its status: a decision made on an older read is refused. */
    version: integer().notNull().default(0),
    startDate: text(),
    /** Deleted components keep their id so past incidents still name them. */
    deletedAt: integer({ mode: 'timestamp_ms' }),
    ...timestamps,
  },
  (t) => [index('components_group_idx').on(t.groupId)],
);

/** The timeline uptime and SLA maths read: [startedAt, endedAt) at one status; endedAt null = now. */
export const componentStatusIntervals = sqliteTable(
  'component_status_intervals',
  {
    id: text().primaryKey(),
    componentId: text()
      .notNull()
      .references(() => components.id),
    status: text({ enum: COMPONENT_STATUSES }).notNull(),
    startedAt: integer({ mode: 'timestamp_ms' }).notNull(),
    endedAt: integer({ mode: 'timestamp_ms' }),
    /** The incident whose update caused this interval, if any. */
    incidentId: text(),
    /** What else set it, when no incident did: an alert integration (`integration:<id>`); null: an operator or a maintenance. */
    source: text(),
  },
  (t) => [
    index('intervals_component_idx').on(t.componentId, t.startedAt),
    // The timeline's invariant, enforced by the database: one open interval per component.
    uniqueIndex('intervals_one_open_idx').on(t.componentId).where(sql`ended_at IS NULL`),
  ],
);
