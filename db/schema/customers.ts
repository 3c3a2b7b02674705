import { sqliteTable, text, integer, real, primaryKey, index } from 'drizzle-orm/sqlite-core';
import { SLA_AGGREGATES, type LadderStep } from '../../api/domain/availability/sla.ts';
import type { DowntimeWeights } from '../../api/domain/availability/uptime.ts';
import { timestamps } from './columns.ts';
import { components } from './components.ts';

export const slaPlans = sqliteTable('sla_plans', {
  id: text().primaryKey(),
  name: text().notNull(),
  target: real().notNull(),
  ladder: text({ mode: 'json' }).$type<LadderStep[]>().notNull(),
  cap: real().notNull(),
  weights: text({ mode: 'json' }).$type<DowntimeWeights>().notNull(),
  /** Maintenance is excluded from availability only when announced at least this long before it starts. */
  maintenanceNoticeHours: integer().notNull().default(48),
  /** A customer's availability over several components: the worst one, or the mean weighted by measured time. */
  aggregate: text({ enum: SLA_AGGREGATES }).notNull().default('worst'),
  ...timestamps,
});

export const customers = sqliteTable(
  'customers',
  {
    id: text().primaryKey(),
    name: text().notNull(),
    /** Email addresses that get this customer's notices. */
    contacts: text({ mode: 'json' }).$type<string[]>().notNull(),
    planId: text()
      .notNull()
      .references(() => slaPlans.id),
    /** True: every component is in scope; false: those in customer_components. */
    allComponents: integer({ mode: 'boolean' }).notNull().default(true),
    /** Billing periods start on this day of the month (null: calendar months). */
    billingAnchorDay: integer(),
    ...timestamps,
  },
  (t) => [index('customers_plan_idx').on(t.planId)],
);

export const customerComponents = sqliteTable(
  'customer_components',
  {
    customerId: text()
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    componentId: text()
      .notNull()
      .references(() => components.id),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.componentId] })],
);
