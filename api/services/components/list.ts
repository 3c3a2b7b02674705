import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import { componentStatusIntervals, components } from '../../../db/schema/index.ts';
import { NotFound } from '../../domain/errors.ts';
import type { ServiceContext } from '../context.ts';

export type Component = Omit<typeof components.$inferSelect, 'deletedAt'>;

const live = isNull(components.deletedAt);

function withoutDeletedAt({ deletedAt: _, ...component }: typeof components.$inferSelect): Component {
  return component;
}

/** All live components in display order. */
export async function listComponents(ctx: ServiceContext): Promise<Component[]> {
  const rows = await ctx.database.db.select().from(components).where(live).orderBy(asc(components.position), asc(components.name));
  return rows.map(withoutDeletedAt);
}

/** One live component, or NotFound (reported on `path`). */
export async function getComponent(ctx: ServiceContext, id: string, path = 'id'): Promise<Component> {
  const row = await ctx.database.db
    .select()
    .from(components)
    .where(and(eq(components.id, id), live))
    .get();
  if (!row) throw new NotFound('component', id, path);
  return withoutDeletedAt(row);
}

/** A component's status timeline, newest first: each interval with what set it (an incident, an alert integration, or an operator or maintenance). */
export async function componentTimeline(ctx: ServiceContext, id: string, limit: number) {
  await getComponent(ctx, id);
  return ctx.database.db
    .select({
      status: componentStatusIntervals.status,
      startedAt: componentStatusIntervals.startedAt,
      endedAt: componentStatusIntervals.endedAt,
      incidentId: componentStatusIntervals.incidentId,
      source: componentStatusIntervals.source,
    })
    .from(componentStatusIntervals)
    .where(eq(componentStatusIntervals.componentId, id))
    .orderBy(desc(componentStatusIntervals.startedAt), desc(sql`rowid`))
    .limit(limit);
}
