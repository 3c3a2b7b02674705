import { sql } from 'drizzle-orm';
import type { ServiceContext } from '../context.ts';

/** When anything public last changed (a component, an incident, a maintenance), or null on an empty page. */
export async function lastPublicChange(ctx: ServiceContext): Promise<Date | null> {
  const row = await ctx.database.db.get<{ at: number | null }>(
    sql`SELECT max(at) AS at FROM (SELECT max(updated_at) AS at FROM components UNION ALL SELECT max(updated_at) FROM component_groups UNION ALL SELECT max(updated_at) FROM incidents UNION ALL SELECT max(updated_at) FROM maintenances)`,
  );
  return row?.at ? new Date(row.at) : null;
}
