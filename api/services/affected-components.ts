import { asc, eq, inArray, type SQLWrapper } from 'drizzle-orm';
import type { Drizzle } from '../../db/client.ts';
import { components, type incidentUpdateComponents, type maintenanceUpdateComponents } from '../../db/schema/index.ts';
import type { ComponentStatus } from '../domain/component/status.ts';

/** A component an update changed (or named), with its displayed status before and after. */
export interface AffectedComponent {
  id: string;
  name: string;
  oldStatus: ComponentStatus;
  newStatus: ComponentStatus;
}

/**
 * The query for the components each update affected (or named), in page order: from an
 * incident's or a maintenance's update-components table (they have the same columns).
 * `byUpdate` groups its rows by update id.
 */
export function affectedComponentsQuery(
  db: Drizzle,
  table: typeof incidentUpdateComponents | typeof maintenanceUpdateComponents,
  /** A query that selects the updates' ids (so this needs no earlier answer). */
  updateIds: SQLWrapper,
) {
  return db
    .select({ updateId: table.updateId, id: components.id, name: components.name, oldStatus: table.oldStatus, newStatus: table.newStatus })
    .from(table)
    .innerJoin(components, eq(components.id, table.componentId))
    .where(inArray(table.updateId, updateIds))
    .orderBy(asc(components.position), asc(components.name));
}

/** The affected components by update id, from `affectedComponentsQuery`'s rows. */
export function byUpdate(rows: ({ updateId: string } & AffectedComponent)[]): Map<string, AffectedComponent[]> {
  const out = new Map<string, AffectedComponent[]>();
  for (const { updateId, ...a } of rows) out.set(updateId, [...(out.get(updateId) ?? []), a]);
  return out;
}
