import { and, asc, eq, isNull } from 'drizzle-orm';
import { components } from '../../../db/schema/index.ts';
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
