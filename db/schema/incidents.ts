import { sqliteTable, text, integer, index, primaryKey } from 'drizzle-orm/sqlite-core';
import { IMPACTS, INCIDENT_STATUSES, SEVERITIES, UPDATE_KINDS } from '../../api/domain/incident/lifecycle.ts';
import { COMPONENT_STATUSES } from '../../api/domain/component/status.ts';
import { timestamps } from './columns.ts';
import { components } from './components.ts';
import { apiKeys } from './keys.ts';

export const incidents = sqliteTable(
  'incidents',
  {
    id: text().primaryKey(),
    title: text().notNull(),
    severity: text({ enum: SEVERITIES }).notNull(),
    status: text({ enum: INCIDENT_STATUSES }).notNull(),
    /** Operator's override of the impact the severity implies; null = derived. */
    impactOverride: text({ enum: IMPACTS }),
    customerVisible: integer({ mode: 'boolean' }).notNull().default(false),
    /** When the incident first became public; once set, it stays public (null: internal so far). */
    publishedAt: integer({ mode: 'timestamp_ms' }),
    startedAt: integer({ mode: 'timestamp_ms' }).notNull(),
    declaredAt: integer({ mode: 'timestamp_ms' }).notNull(),
    identifiedAt: integer({ mode: 'timestamp_ms' }),
    monitoringAt: integer({ mode: 'timestamp_ms' }),
    resolvedAt: integer({ mode: 'timestamp_ms' }),
    nextUpdateDueAt: integer({ mode: 'timestamp_ms' }),
    reopenCount: integer().notNull().default(0),
    /** Bumped by every write that changes the incident: a write made on an older read is refused. */
    version: integer().notNull().default(0),
    commander: text(),
    escalationContact: text(),
    /** Opened by an alert integration: internal until a person publishes it with their own words. */
    draft: integer({ mode: 'boolean' }).notNull().default(false),
    /** Seeded for the demo page: shown like any other, but no responder is ever reminded of it. */
    demo: integer({ mode: 'boolean' }).notNull().default(false),
    postmortemBody: text(),
    postmortemPublishedAt: integer({ mode: 'timestamp_ms' }),
    postmortemDueAt: integer({ mode: 'timestamp_ms' }),
    ...timestamps,
  },
  (t) => [index('incidents_declared_idx').on(t.declaredAt, t.id), index('incidents_status_idx').on(t.status)],
);

export const incidentUpdates = sqliteTable(
  'incident_updates',
  {
    id: text().primaryKey(),
    incidentId: text()
      .notNull()
      .references(() => incidents.id),
    kind: text({ enum: UPDATE_KINDS }).notNull().default('status'),
    status: text({ enum: INCIDENT_STATUSES }).notNull(),
    severity: text({ enum: SEVERITIES }).notNull(),
    body: text().notNull(),
    createdAt: integer({ mode: 'timestamp_ms' }).notNull(),
    displayAt: integer({ mode: 'timestamp_ms' }).notNull(),
    author: text(),
    apiKeyId: text().references(() => apiKeys.id),
    deliverNotifications: integer({ mode: 'boolean' }).notNull(),
    /** Whether the public saw this entry: fixed when it is posted (notes from an internal phase stay internal). */
    public: integer({ mode: 'boolean' }).notNull().default(false),
    /** The next-update deadline this update answered (null when none was owed): on time or late is read from it. */
    dueAt: integer({ mode: 'timestamp_ms' }),
  },
  (t) => [index('incident_updates_incident_idx').on(t.incidentId, t.createdAt), index('incident_updates_created_idx').on(t.createdAt)],
);

/** Per update, each component whose status it changed. */
export const incidentUpdateComponents = sqliteTable(
  'incident_update_components',
  {
    updateId: text()
      .notNull()
      .references(() => incidentUpdates.id),
    componentId: text()
      .notNull()
      .references(() => components.id),
    oldStatus: text({ enum: COMPONENT_STATUSES }).notNull(),
    newStatus: text({ enum: COMPONENT_STATUSES }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.updateId, t.componentId] })],
);

/** The status each open incident holds each affected component at. */
export const incidentComponents = sqliteTable(
  'incident_components',
  {
    incidentId: text()
      .notNull()
      .references(() => incidents.id),
    componentId: text()
      .notNull()
      .references(() => components.id),
    status: text({ enum: COMPONENT_STATUSES }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.incidentId, t.componentId] }), index('incident_components_component_idx').on(t.componentId)],
);
