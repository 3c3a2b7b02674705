import { asc, isNull, eq, and } from 'drizzle-orm';
import { componentGroups, components } from '../../../db/schema/index.ts';
import { NotFound } from '../../domain/errors.ts';
import type { ServiceContext } from '../context.ts';

export type ComponentGroup = typeof componentGroups.$inferSelect & { componentIds: string[] };

/** All component groups in display order, each with its (live) components' ids. */
export async function listComponentGroups(ctx: ServiceContext): Promise<ComponentGroup[]> {
  const { db } = ctx.database;
  const [groups, members] = await Promise.all([
    db.select().from(componentGroups).orderBy(asc(componentGroups.position), asc(componentGroups.name)),
    db
      .select({ id: components.id, groupId: components.groupId })
      .from(components)
      .where(isNull(components.deletedAt))
      .orderBy(asc(components.position), asc(components.name)),
  ]);
  return groups.map((g) => ({ ...g, componentIds: members.filter((m) => m.groupId === g.id).map((m) => m.id) }));
}

/** One component group, or NotFound. */
export async function getComponentGroup(ctx: ServiceContext, id: string): Promise<ComponentGroup> {
  const { db } = ctx.database;
  const group = await db.select().from(componentGroups).where(eq(componentGroups.id, id)).get();
  if (!group) throw new NotFound('component group', id);
  const members = await db
    .select({ id: components.id })
    .from(components)
    .where(and(eq(components.groupId, id), isNull(components.deletedAt)))
    .orderBy(asc(components.position), asc(components.name));
  return { ...group, componentIds: members.map((m) => m.id) };
}
