import { sqliteTable, text, integer, index, primaryKey } from 'drizzle-orm/sqlite-core';
import { MAINTENANCE_STATUSES } from '../../api/domain/maintenance/lifecycle.ts';
import { COMPONENT_STATUSES } from '../../api/domain/component/status.ts';
import { timestamps } from './columns.ts';
import { components } from './components.ts';
import { apiKeys } from './keys.ts';

export const maintenances = sqliteTable(
  'maintenances',
  {
    id: text().primaryKey(),
    title: text().notNull(),
    status: text({ enum: MAINTENANCE_STATUSES }).notNull(),
    scheduledFor: integer({ mode: 'timestamp_ms' }).notNull(),
    scheduledUntil: integer({ mode: 'timestamp_ms' }).notNull(),
    /** The clock starts it at scheduled_for / completes it at scheduled_until. */
    autoStart: integer({ mode: 'boolean' }).notNull(),
    autoComplete: integer({ mode: 'boolean' }).notNull(),
    /** Email subscribers when it starts / completes. */
    notifyOnStart: integer({ mode: 'boolean' }).notNull(),
    notifyOnComplete: integer({ mode: 'boolean' }).notNull(),
    remindHoursBefore: integer(),
    /** When the reminder for the current scheduled_for went out (cleared when rescheduled). */
    remindedAt: integer({ mode: 'timestamp_ms' }),
    /** Bumped by every write to it: a write made on an older read is refused (the clock and an operator at once). */
    version: integer().notNull().default(0),
    /** When the work actually began and ended: the window left out of availability. */
    startedAt: integer({ mode: 'timestamp_ms' }),
    completedAt: integer({ mode: 'timestamp_ms' }),
    cancelledAt: integer({ mode: 'timestamp_ms' }),
    ...timestamps,
  },
  (t) => [index('maintenances_status_idx').on(t.status, t.scheduledFor), index('maintenances_scheduled_idx').on(t.scheduledFor, t.id)],
);

/** The components a maintenance puts under maintenance while it is in progress or verifying. */
export const maintenanceComponents = sqliteTable(
  'maintenance_components',
  {
    maintenanceId: text()
      .notNull()
      .references(() => maintenances.id),
    componentId: text()
      .notNull()
      .references(() => components.id),
  },
  (t) => [primaryKey({ columns: [t.maintenanceId, t.componentId] }), index('maintenance_components_component_idx').on(t.componentId)],
);

export const maintenanceUpdates = sqliteTable(
  'maintenance_updates',
  {
    id: text().primaryKey(),
    maintenanceId: text()
      .notNull()
      .references(() => maintenances.id),
    status: text({ enum: MAINTENANCE_STATUSES }).notNull(),
    body: text().notNull(),
    createdAt: integer({ mode: 'timestamp_ms' }).notNull(),
    /** When the change took effect: the scheduled time for the clock's steps. */
    displayAt: integer({ mode: 'timestamp_ms' }).notNull(),
    author: text(),
    apiKeyId: text().references(() => apiKeys.id),
    deliverNotifications: integer({ mode: 'boolean' }).notNull(),
  },
  (t) => [index('maintenance_updates_maintenance_idx').on(t.maintenanceId, t.createdAt)],
);

/** Per update, each of the maintenance's components with its displayed status before and after. */
export const maintenanceUpdateComponents = sqliteTable(
  'maintenance_update_components',
  {
    updateId: text()
      .notNull()
      .references(() => maintenanceUpdates.id),
    componentId: text()
      .notNull()
      .references(() => components.id),
    oldStatus: text({ enum: COMPONENT_STATUSES }).notNull(),
    newStatus: text({ enum: COMPONENT_STATUSES }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.updateId, t.componentId] })],
);
