import { sqliteTable, text, integer, index, primaryKey } from 'drizzle-orm/sqlite-core';
import { COMPONENT_STATUSES } from '../../api/domain/component/status.ts';
import { INTEGRATION_TYPES } from '../../api/domain/integrations/alerts.ts';
import { timestamps } from './columns.ts';
import { components } from './components.ts';

/** An alert source (Alertmanager, Grafana) allowed to move components: its URL carries a token. */
export const integrations = sqliteTable('integrations', {
  id: text().primaryKey(),
  type: text({ enum: INTEGRATION_TYPES }).notNull(),
  name: text().notNull(),
  /** sha256 of the URL token; the token itself is shown once. */
  tokenHash: text().notNull(),
  /** The alert label naming the component (by id or name). */
  componentLabel: text().notNull(),
  /** Alert severity label value → component status, as JSON. */
  severityStatuses: text({ mode: 'json' }).$type<Record<string, (typeof COMPONENT_STATUSES)[number]>>().notNull(),
  /** A status an alert set holds at least this long before another alert change moves it (flapping). */
  minHoldSeconds: integer().notNull(),
  /** Whether a firing alert opens a draft incident for responders. */
  draftIncidents: integer({ mode: 'boolean' }).notNull().default(false),
  disabledAt: integer({ mode: 'timestamp_ms' }),
  ...timestamps,
});

/**
 * Alerts firing now, per integration, by the source's fingerprint: what a component's alert
 * status is computed from (the worst firing alert; none: operational).
 */
export const integrationAlerts = sqliteTable(
  'integration_alerts',
  {
    integrationId: text()
      .notNull()
      .references(() => integrations.id, { onDelete: 'cascade' }),
    fingerprint: text().notNull(),
    componentId: text()
      .notNull()
      .references(() => components.id),
    status: text({ enum: COMPONENT_STATUSES }).notNull(),
    summary: text().notNull(),
    startsAt: integer({ mode: 'timestamp_ms' }).notNull(),
    /** The draft incident this alert opened, if any. */
    incidentId: text(),
  },
  (t) => [primaryKey({ columns: [t.integrationId, t.fingerprint] }), index('integration_alerts_component_idx').on(t.componentId)],
);

/**
 * Per component moved by alerts: when alerts last moved it, and what alerts want it to show
 * (applied once the hold ends: flapping is damped).
 */
export const alertHolds = sqliteTable('alert_holds', {
  componentId: text()
    .primaryKey()
    .references(() => components.id),
  integrationId: text().notNull(),
  changedAt: integer({ mode: 'timestamp_ms' }).notNull(),
  /** A status waiting for the hold to end; null: nothing waits. */
  pendingStatus: text({ enum: COMPONENT_STATUSES }),
});
