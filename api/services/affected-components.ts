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
 * The components each update affected, by update id, in page order: from an incident's or a
 * maintenance's update-components table (they have the same columns).
 */
export async function affectedComponents(
  db: Drizzle,
  table: typeof incidentUpdateComponents | typeof maintenanceUpdateComponents,
  /** The updates' ids, or a query that selects them (so this needs no earlier answer). */
  updateIds: string[] | SQLWrapper,
): Promise<Map<string, AffectedComponent[]>> {
  const out = new Map<string, AffectedComponent[]>();
  if (Array.isArray(updateIds) && !updateIds.length) return out;
  const rows = await db
    .select({ updateId: table.updateId, id: components.id, name: components.name, oldStatus: table.oldStatus, newStatus: table.newStatus })
    .from(table)
    .innerJoin(components, eq(components.id, table.componentId))
    .where(inArray(table.updateId, updateIds))
    .orderBy(asc(components.position), asc(components.name));
  for (const { updateId, ...a } of rows) out.set(updateId, [...(out.get(updateId) ?? []), a]);
  return out;
}
